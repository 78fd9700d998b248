using System.Text;
using ClientMonitor.Core.Pipeline;

namespace ClientMonitor.Core.Classifiers;

/// <summary>
/// The two learned models of <see cref="KeylessClassifier"/>: sentiment (negative, positive, neutral) and category
/// (the categories the training data has, plus <c>other</c>). The committed model is embedded in this assembly
/// (<see cref="ResourceName"/>) and loaded once, on first use, thread-safely; <c>scripts/train-classifier.sh</c>
/// retrains it.
/// </summary>
public sealed class KeylessModel
{
    public const string ResourceName = "ClientMonitor.Core.Classifiers.keyless-model.bin";
    private const string Magic = "CMKM";
    private const int Version = 1;

    private static readonly Lazy<KeylessModel> EmbeddedModel = new(LoadEmbedded, LazyThreadSafetyMode.ExecutionAndPublication);

    public KeylessModel(LinearModel sentiment, LinearModel category)
    {
        ArgumentNullException.ThrowIfNull(sentiment);
        ArgumentNullException.ThrowIfNull(category);
        Sentiment = sentiment;
        Category = category;
    }

    /// <summary>The model shipped in this assembly.</summary>
    public static KeylessModel Embedded => EmbeddedModel.Value;

    public LinearModel Sentiment { get; }

    public LinearModel Category { get; }

    /// <summary>Features of a text for the sentiment model (tokens and rule reading included).</summary>
    public static int[] SentimentFeatures(string text, int bits)
    {
        var tokens = new List<Token>();
        TextTokens.Tokenize(text, tokens);
        var features = new List<int>(tokens.Count * 2);
        KeylessFeatures.Sentiment(tokens, SentimentRules.Read(tokens), bits, features);
        return [.. features];
    }

    /// <summary>Features of a text for the category model.</summary>
    public static int[] CategoryFeatures(string text, int bits)
    {
        var tokens = new List<Token>();
        TextTokens.Tokenize(text, tokens);
        var features = new List<int>(tokens.Count * 2);
        KeylessFeatures.Category(tokens, bits, features);
        return [.. features];
    }

    /// <summary>
    /// Trains both models on the rows that the seeded split of <see cref="TrainingOptions.HoldOut"/> keeps for
    /// training, and returns the held-out rows (labels mapped to classes) for evaluation. Rows whose label does not
    /// map (see <see cref="TrainingData"/>) are skipped.
    /// </summary>
    public static (KeylessModel Model, List<LabelledText> SentimentHoldOut, List<LabelledText> CategoryHoldOut) Train(
        IReadOnlyList<LabelledText> sentimentRows, IReadOnlyList<LabelledText> categoryRows, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(sentimentRows);
        ArgumentNullException.ThrowIfNull(categoryRows);
        ArgumentNullException.ThrowIfNull(options);
        var sentiment = Mapped(sentimentRows, TrainingData.SentimentLabel);
        var category = Mapped(categoryRows, TrainingData.CategoryLabel);
        var (sentimentTrain, sentimentHoldOut) = LinearModelTrainer.Split(sentiment, options.HoldOut, options.Seed);
        var (categoryTrain, categoryHoldOut) = LinearModelTrainer.Split(category, options.HoldOut, options.Seed + 1);

        var sentimentLabels = TrainingData.SentimentLabels;
        var categoryLabels = category.Select(r => r.Label).Append(WireJson.Name(EventCategory.Other)).Distinct().Order(StringComparer.Ordinal).ToList();
        var sentimentModel = LinearModelTrainer.Train(
            "sentiment",
            sentimentLabels,
            [.. sentimentTrain.Select(r => new TrainingExample(SentimentFeatures(r.Text, options.Bits), IndexOf(sentimentLabels, r.Label)))],
            options);
        var categoryModel = LinearModelTrainer.Train(
            "category",
            categoryLabels,
            [.. categoryTrain.Select(r => new TrainingExample(CategoryFeatures(r.Text, options.Bits), IndexOf(categoryLabels, r.Label)))],
            options with { Seed = options.Seed + 1 });
        return (new KeylessModel(sentimentModel, categoryModel), sentimentHoldOut, categoryHoldOut);
    }

    public static KeylessModel Load(Stream stream)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        if (reader.ReadString() != Magic || reader.ReadInt32() != Version)
        {
            throw new InvalidDataException($"not a version {Version} keyless classifier model");
        }

        var sentiment = LinearModel.Read(reader);
        var category = LinearModel.Read(reader);
        if (sentiment.IndexOf(TrainingData.Positive) < 0 || sentiment.IndexOf(TrainingData.Negative) < 0 || category.IndexOf(WireJson.Name(EventCategory.Other)) < 0)
        {
            throw new InvalidDataException("the sentiment model needs positive and negative classes and the category model an other class");
        }

        return new KeylessModel(sentiment, category);
    }

    public void Save(Stream stream)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(Version);
        Sentiment.Write(writer);
        Category.Write(writer);
    }

    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        Save(stream);
        return stream.ToArray();
    }

    private static KeylessModel LoadEmbedded()
    {
        using var stream = typeof(KeylessModel).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the assembly lacks its embedded model {ResourceName}");
        return Load(stream);
    }

    private static List<LabelledText> Mapped(IReadOnlyList<LabelledText> rows, Func<string, string?> map)
        => [.. rows.Select(r => map(r.Label) is { } label ? r with { Label = label } : null).OfType<LabelledText>()];

    private static int IndexOf(IReadOnlyList<string> labels, string label)
    {
        for (var i = 0; i < labels.Count; i++)
        {
            if (labels[i] == label)
            {
                return i;
            }
        }

        throw new ArgumentException($"unknown label {label}", nameof(label));
    }
}
