using System.Text.Json;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Providers;

namespace ClientMonitor.Core.Classifiers;

/// <summary>A labelled evaluation text: sentiment and/or category (wire names), and the company it is about, if any.</summary>
/// <param name="Text">The text.</param>
/// <param name="Sentiment">negative, neutral or positive; null when not labelled.</param>
/// <param name="Category">A category wire name; null when not labelled.</param>
/// <param name="Company">The target company the sentiment is about; null for the text as a whole.</param>
public sealed record EvaluationRow(string Text, string? Sentiment, string? Category, string? Company = null);

/// <summary>
/// Scores an <see cref="IEventClassifier"/> against labelled rows. A sentiment above
/// <see cref="NeutralBand"/> reads positive, below minus it negative, else neutral.
/// </summary>
public static class ClassifierEvaluation
{
    public const double NeutralBand = 0.1;

    private static readonly DateTimeOffset Clock = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static string SentimentLabel(double sentiment)
        => sentiment > NeutralBand ? TrainingData.Positive : sentiment < -NeutralBand ? TrainingData.Negative : TrainingData.Neutral;

    /// <summary>Rows of a JSON-lines file with <c>text</c>, <c>sentiment</c>, <c>category</c> and optional <c>company</c>.</summary>
    public static List<EvaluationRow> ReadJsonLines(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var rows = new List<EvaluationRow>();
        while (reader.ReadLine() is { } line)
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                rows.Add(JsonSerializer.Deserialize<EvaluationRow>(line, WireJson.Options) ?? throw new InvalidDataException("null row"));
            }
        }

        return rows;
    }

    /// <summary>Sentiment and category metrics over the rows that carry each label.</summary>
    public static async Task<(ClassificationMetrics Sentiment, ClassificationMetrics Category)> EvaluateAsync(IEventClassifier classifier, IReadOnlyList<EvaluationRow> rows, CancellationToken cancellationToken, Action<string>? reportMiss = null)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(rows);
        var sentiment = new List<(string, string)>();
        var category = new List<(string, string)>();
        foreach (var row in rows)
        {
            var client = new Client("eval", "eval", row.Company ?? string.Empty, null, null, [], [], null, null, true);
            var result = await classifier.ClassifyAsync(new ClassificationInput(row.Text, null, "eval", null, Clock, client, Clock), cancellationToken).ConfigureAwait(false);
            if (row.Sentiment is { } s)
            {
                sentiment.Add((s, SentimentLabel(result.Sentiment)));
                if (s != SentimentLabel(result.Sentiment))
                {
                    reportMiss?.Invoke(FormattableString.Invariant($"sentiment {result.Sentiment:F3} (want {s}): {row.Text}"));
                }
            }

            if (row.Category is { } c)
            {
                category.Add((c, WireJson.Name(result.Category)));
                if (c != WireJson.Name(result.Category))
                {
                    reportMiss?.Invoke($"category {WireJson.Name(result.Category)} (want {c}): {row.Text}");
                }
            }
        }

        return (ClassificationMetrics.Compute(sentiment), ClassificationMetrics.Compute(category));
    }
}
