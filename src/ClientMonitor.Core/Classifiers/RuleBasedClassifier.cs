using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Providers;

namespace ClientMonitor.Core.Classifiers;

/// <summary>
/// The classifier that needs no key and no network: category from weighted phrase rules, sentiment from
/// <see cref="SentimentLexicon"/>, relevance and risk from documented weights (see <see cref="Relevance"/> and
/// <see cref="Risk"/>). Deterministic: the same input and clock give the same answer.
/// </summary>
public sealed class RuleBasedClassifier : IEventClassifier
{
    public const string ClassifierName = "rule_based";

    private static readonly string[] MajorPublishers =
        ["reuters", "bloomberg", "wsj", "wall street journal", "financial times", "ft.com", "associated press", "apnews", "cnbc", "the economist", "nytimes", "new york times", "techcrunch"];

    public string Name => ClassifierName;

    public Task<Classification> ClassifyAsync(ClassificationInput input, CancellationToken cancellationToken)
        => Task.FromResult(Classify(input));

    public static Classification Classify(ClassificationInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var text = input.Title + ". " + input.Snippet;
        var (category, _) = CategoryRules.Best(text);
        var sentiment = SentimentLexicon.Score(text);
        return new Classification(category, Relevance(input, category, sentiment), sentiment, Risk(category, sentiment), ClassifierName);
    }

    /// <summary>
    /// 0.1 base; +0.35 when the client's name is in the title, else +0.2 when it is in the snippet; +0.05 per client
    /// keyword found (at most 0.1); the category's weight (acquisition, layoffs, risk 0.2; legal, leadership change,
    /// funding 0.15; financial results, expansion, partnership 0.1; product launch 0.05; other 0); +0.1 when published
    /// in the last 2 days, +0.05 within 7, -0.1 when older than 30; +0.05 for a major publisher; +0.05 when the
    /// sentiment is strong (|s| >= 0.5). Clamped to 0..1 and rounded to two decimals.
    /// </summary>
    public static double Relevance(ClassificationInput input, EventCategory category, double sentiment)
    {
        ArgumentNullException.ThrowIfNull(input);
        var score = 0.1;
        if (MentionsClient(input.Title, input.Client.Name))
        {
            score += 0.35;
        }
        else if (MentionsClient(input.Snippet, input.Client.Name))
        {
            score += 0.2;
        }

        var text = input.Title + " " + input.Snippet;
        score += Math.Min(0.1, 0.05 * input.Client.Keywords.Count(k => k.Length > 1 && text.Contains(k, StringComparison.OrdinalIgnoreCase)));
        score += category switch
        {
            EventCategory.Acquisition or EventCategory.Layoffs or EventCategory.Risk => 0.2,
            EventCategory.Legal or EventCategory.LeadershipChange or EventCategory.Funding => 0.15,
            EventCategory.FinancialResults or EventCategory.Expansion or EventCategory.Partnership => 0.1,
            EventCategory.ProductLaunch => 0.05,
            _ => 0,
        };

        if (input.PublishedAt is { } published)
        {
            var age = input.Now - published;
            score += age <= TimeSpan.FromDays(2) ? 0.1 : age <= TimeSpan.FromDays(7) ? 0.05 : age > TimeSpan.FromDays(30) ? -0.1 : 0;
        }

        var publisher = (input.Publisher ?? string.Empty) + " " + input.Source;
        if (MajorPublishers.Any(p => publisher.Contains(p, StringComparison.OrdinalIgnoreCase)))
        {
            score += 0.05;
        }

        if (Math.Abs(sentiment) >= 0.5)
        {
            score += 0.05;
        }

        return Math.Round(Math.Clamp(score, 0, 1), 2);
    }

    /// <summary>
    /// Risk, legal and layoffs: high below -0.3 sentiment, medium below 0.1, else low. Leadership change, financial
    /// results and acquisition: medium below -0.3, low below 0.1, else none. Anything else: low below -0.3, else none.
    /// </summary>
    public static RiskLevel Risk(EventCategory category, double sentiment) => category switch
    {
        EventCategory.Risk or EventCategory.Legal or EventCategory.Layoffs =>
            sentiment < -0.3 ? RiskLevel.High : sentiment < 0.1 ? RiskLevel.Medium : RiskLevel.Low,
        EventCategory.LeadershipChange or EventCategory.FinancialResults or EventCategory.Acquisition =>
            sentiment < -0.3 ? RiskLevel.Medium : sentiment < 0.1 ? RiskLevel.Low : RiskLevel.None,
        _ => sentiment < -0.3 ? RiskLevel.Low : RiskLevel.None,
    };

    /// <summary>
    /// The full name, or its first word when that is distinctive (4+ letters: "Northwind" for "Northwind Traders").
    /// An empty or blank name is never mentioned.
    /// </summary>
    internal static bool MentionsClient(string? text, string? clientName)
    {
        if (string.IsNullOrEmpty(text) || string.IsNullOrWhiteSpace(clientName))
        {
            return false;
        }

        clientName = clientName.Trim();
        if (text.Contains(clientName, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var first = clientName.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return first is { Length: >= 4 } && text.Contains(first, StringComparison.OrdinalIgnoreCase);
    }
}
