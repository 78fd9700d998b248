using System.Globalization;
using System.Text;
using ClientMonitor.Core.Pipeline;

namespace ClientMonitor.Core.Classifiers;

/// <summary>A labelled text.</summary>
/// <param name="Text">The text.</param>
/// <param name="Label">Its label as written in the source file.</param>
public sealed record LabelledText(string Text, string Label);

/// <summary>
/// Reading labelled CSV (<c>text,label</c> with a header row, RFC 4180 quoting) and mapping labels to the model's
/// classes: the twitter-financial-news sets (zeroshot/twitter-financial-news-sentiment and -topic, MIT licence)
/// use numbers; a user's own file may use the class names instead.
/// </summary>
public static class TrainingData
{
    public const string Negative = "negative";
    public const string Neutral = "neutral";
    public const string Positive = "positive";

    /// <summary>Sentiment classes in model order.</summary>
    public static readonly IReadOnlyList<string> SentimentLabels = [Negative, Positive, Neutral];

    /// <summary>
    /// The twitter topics that correspond to a category. Company / Product News (2) mixes launches, expansion,
    /// partnerships and more, so it is left out rather than taught as one thing; every other topic is
    /// <c>other</c>.
    /// </summary>
    private static readonly Dictionary<int, EventCategory?> TopicCategories = new()
    {
        [2] = null,
        [4] = EventCategory.FinancialResults,
        [5] = EventCategory.FinancialResults,
        [11] = EventCategory.Funding,
        [12] = EventCategory.Legal,
        [13] = EventCategory.Acquisition,
        [17] = EventCategory.LeadershipChange,
    };

    /// <summary>Rows of a <c>text,label</c> CSV file; the header row is skipped, blank texts are dropped.</summary>
    public static List<LabelledText> ReadCsv(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var rows = new List<LabelledText>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var header = true;
        int c;
        while ((c = reader.Read()) >= 0)
        {
            if (quoted)
            {
                if (c == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        field.Append('"');
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    field.Append((char)c);
                }
            }
            else if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\n')
            {
                EndRow();
            }
            else if (c != '\r')
            {
                field.Append((char)c);
            }
        }

        EndRow();
        return rows;

        void EndRow()
        {
            fields.Add(field.ToString());
            field.Clear();
            if (!header && fields.Count >= 2 && !string.IsNullOrWhiteSpace(fields[0]))
            {
                rows.Add(new LabelledText(fields[0], fields[^1].Trim()));
            }

            header = header && fields.Count < 2;
            fields.Clear();
        }
    }

    /// <summary>0 / bearish / negative, 1 / bullish / positive, 2 / neutral; null for anything else.</summary>
    public static string? SentimentLabel(string label) => label.Trim().ToLowerInvariant() switch
    {
        "0" or "bearish" or "negative" => Negative,
        "1" or "bullish" or "positive" => Positive,
        "2" or "neutral" => Neutral,
        _ => null,
    };

    /// <summary>A twitter topic number (mapped, see above) or a category wire name (<c>leadership_change</c>); null to skip the row.</summary>
    public static string? CategoryLabel(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        if (int.TryParse(label, NumberStyles.None, CultureInfo.InvariantCulture, out var topic))
        {
            if (topic is < 0 or > 19)
            {
                return null;
            }

            var category = TopicCategories.TryGetValue(topic, out var mapped) ? mapped : EventCategory.Other;
            return category is { } c ? WireJson.Name(c) : null;
        }

        return Enum.GetValues<EventCategory>().Select(WireJson.Name).FirstOrDefault(n => n.Equals(label.Trim(), StringComparison.OrdinalIgnoreCase));
    }
}
