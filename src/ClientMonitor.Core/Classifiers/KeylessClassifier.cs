using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Providers;

namespace ClientMonitor.Core.Classifiers;

/// <summary>How <see cref="KeylessClassifier"/> blends its learned models with rules; the defaults are the documented ones (docs/classifier.md).</summary>
public sealed record KeylessClassifierOptions
{
    /// <summary>Weight of the sentiment model's P(positive) - P(negative).</summary>
    public double ModelSentimentWeight { get; init; } = 1.0;

    /// <summary>Weight of the <see cref="SentimentRules"/> score.</summary>
    public double RuleSentimentWeight { get; init; } = 0.4;

    /// <summary>Points a category gets per unit of the category model's probability, on top of its rule score (2 = a decisive phrase).</summary>
    public double ModelCategoryWeight { get; init; } = 2.5;

    /// <summary>The best category needs at least this many points; below it the item is <c>other</c>.</summary>
    public double MinCategoryScore { get; init; } = 1.5;

    /// <summary>Weight of a part of the text that does not name the target, when another part does.</summary>
    public double OffTargetWeight { get; init; } = 0.15;
}

/// <summary>
/// The classifier used without an LLM key (and the LLM classifier's fallback). Sentiment blends a learned logistic
/// regression (<see cref="KeylessModel"/>) with <see cref="SentimentRules"/>; category adds the category model's
/// probabilities to the phrase rules' scores (<see cref="CategoryRules"/>); relevance and risk follow
/// <see cref="RuleBasedClassifier.Relevance"/> and <see cref="RuleBasedClassifier.Risk"/>. When the client's name
/// appears in some sentences or clauses and not in others, sentiment is read mostly from the parts that name it.
/// Deterministic, thread-safe, and linear in the text's length (categories read the first
/// <see cref="CategoryRules.MaxChars"/> characters). Its <see cref="Name"/> stays <c>rule_based</c>: that is the
/// keyless provider's id in configuration (<c>Providers:Ai:Provider</c>), stored events and reports.
/// </summary>
public sealed class KeylessClassifier : IEventClassifier
{
    public const string ClassifierName = "rule_based";

    private static readonly string[] Connectors = [" while ", " whereas ", " but ", " although ", " though ", " however ", " by contrast", " meanwhile ", " unlike "];
    private static readonly int Other = (int)EventCategory.Other;
    private static readonly Dictionary<string, EventCategory> CategoryNames = Enum.GetValues<EventCategory>().ToDictionary(WireJson.Name);

    private readonly Lazy<KeylessModel> _model;
    private readonly KeylessClassifierOptions _options;

    /// <summary>The embedded model with the default options.</summary>
    public KeylessClassifier()
        : this(null, null)
    {
    }

    public KeylessClassifier(KeylessModel? model, KeylessClassifierOptions? options)
    {
        _model = model is null ? new Lazy<KeylessModel>(() => KeylessModel.Embedded) : new Lazy<KeylessModel>(model);
        _options = options ?? new KeylessClassifierOptions();
    }

    /// <summary>One shared instance with the embedded model.</summary>
    public static KeylessClassifier Default { get; } = new();

    public string Name => ClassifierName;

    public Task<Classification> ClassifyAsync(ClassificationInput input, CancellationToken cancellationToken)
        => Task.FromResult(Classify(input));

    public Classification Classify(ClassificationInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var text = string.IsNullOrEmpty(input.Snippet) ? input.Title : input.Title + ". " + input.Snippet;
        var category = Category(text);
        var sentiment = Sentiment(text, input.Client.Name);
        return new Classification(category, RuleBasedClassifier.Relevance(input, category, sentiment), sentiment, RuleBasedClassifier.Risk(category, sentiment), ClassifierName);
    }

    /// <summary>Sentiment in -1..1 (three decimals), toward <paramref name="target"/> when the text names it in some parts only.</summary>
    public double Sentiment(string text, string? target = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = string.IsNullOrWhiteSpace(target) ? null : TargetParts(text, target.Trim());
        if (parts is null)
        {
            return Math.Round(SentimentOf(text), 3);
        }

        double sum = 0, weights = 0;
        foreach (var (start, length, namesTarget) in parts)
        {
            var weight = namesTarget ? 1 : _options.OffTargetWeight;
            sum += weight * SentimentOf(text.AsSpan(start, length));
            weights += weight;
        }

        return Math.Round(Math.Clamp(sum / weights, -1, 1), 3);
    }

    /// <summary>The category: rule points plus the model's probability points; <c>other</c> when nothing reaches <see cref="KeylessClassifierOptions.MinCategoryScore"/>.</summary>
    public EventCategory Category(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var model = _model.Value.Category;
        var head = text.Length > CategoryRules.MaxChars ? text[..CategoryRules.MaxChars] : text;
        var features = new List<int>();
        var tokens = new List<Token>();
        TextTokens.Tokenize(head, tokens);
        KeylessFeatures.Category(tokens, model.Bits, features);
        Span<double> probabilities = stackalloc double[model.Labels.Count];
        model.Probabilities(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(features), probabilities);

        var scores = CategoryRules.Scores(head).Select(s => (double)s).ToArray();
        for (var k = 0; k < model.Labels.Count; k++)
        {
            if (CategoryNames.TryGetValue(model.Labels[k], out var category) && (int)category != Other)
            {
                scores[(int)category] += _options.ModelCategoryWeight * probabilities[k];
            }
        }

        var best = EventCategory.Other;
        var bestScore = _options.MinCategoryScore;
        foreach (var category in CategoryRules.TieBreakOrder)
        {
            if ((int)category != Other && scores[(int)category] >= bestScore && (best == EventCategory.Other || scores[(int)category] > scores[(int)best]))
            {
                best = category;
                bestScore = scores[(int)category];
            }
        }

        return best;
    }

    private double SentimentOf(ReadOnlySpan<char> text)
    {
        var model = _model.Value.Sentiment;
        var tokens = new List<Token>();
        TextTokens.Tokenize(text, tokens);
        var reading = SentimentRules.Read(tokens);
        var features = new List<int>(tokens.Count * 2);
        KeylessFeatures.Sentiment(tokens, reading, model.Bits, features);
        Span<double> probabilities = stackalloc double[model.Labels.Count];
        model.Probabilities(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(features), probabilities);
        // P(positive) - P(negative), shrunk by P(neutral) so that a text the model calls neutral stays near zero.
        var positive = probabilities[model.IndexOf(TrainingData.Positive)];
        var negative = probabilities[model.IndexOf(TrainingData.Negative)];
        var learned = (positive - negative) * (positive + negative);
        return Math.Clamp((_options.ModelSentimentWeight * learned) + (_options.RuleSentimentWeight * reading.Score), -1, 1);
    }

    /// <summary>
    /// The text cut at sentence ends and contrast words ("while", "but", "whereas"...), each part flagged when it
    /// names the target; null when there is one part or the target is named in all or none of them.
    /// </summary>
    private static List<(int Start, int Length, bool NamesTarget)>? TargetParts(string text, string target)
    {
        var cuts = new List<int>();
        for (var i = 0; i < text.Length - 1; i++)
        {
            if (text[i] is '.' or '!' or '?' or ';' && char.IsWhiteSpace(text[i + 1]))
            {
                cuts.Add(i + 1);
            }
        }

        foreach (var connector in Connectors)
        {
            for (var at = text.IndexOf(connector, StringComparison.OrdinalIgnoreCase); at >= 0; at = text.IndexOf(connector, at + 1, StringComparison.OrdinalIgnoreCase))
            {
                cuts.Add(at);
            }
        }

        if (cuts.Count == 0)
        {
            return null;
        }

        cuts.Add(0);
        cuts.Add(text.Length);
        cuts.Sort();
        var parts = new List<(int, int, bool)>();
        var named = 0;
        for (var i = 0; i + 1 < cuts.Count; i++)
        {
            var length = cuts[i + 1] - cuts[i];
            if (length <= 0 || text.AsSpan(cuts[i], length).IsWhiteSpace())
            {
                continue;
            }

            var namesTarget = RuleBasedClassifier.MentionsClient(text.Substring(cuts[i], length), target);
            named += namesTarget ? 1 : 0;
            parts.Add((cuts[i], length, namesTarget));
        }

        return named == 0 || named == parts.Count ? null : parts;
    }
}
