using System.Text.RegularExpressions;

namespace ClientMonitor.Core.Classifiers;

/// <summary>
/// Headline sentiment from a small business-news lexicon. Each phrase scores +1 or -1 (some ±2); a negator
/// (<c>not</c>, <c>no</c>, <c>never</c>, <c>n't</c>, <c>without</c>, <c>fails to</c>...) within the three words
/// before a phrase flips it, so "will not lay off" reads as good news. The result is sum / (hits + 1), clamped to
/// -1..1: one clear word gives ±0.5, agreeing words push towards ±1, mixed words cancel.
/// </summary>
public static class SentimentLexicon
{
    private static readonly (Regex Pattern, int Score)[] Phrases = Build(
        (2, @"record (?:revenue|profit|year|quarter|sales)|beats? (?:wall street )?estimates|tops? expectations|wins?\b|dismiss(?:es|ed)"),
        (1, @"\brecord\b|strong|growth|\bgrows?\b|\bgrow\b|\bup \d|surges?|soars?|jumps?|gains?\b|boost\w*|approval|approved|awards?|\bbest\b|gold|celebrat\w*|success\w*|expan\w+|\bopens\b|launch(?:es|ed)?\b|unveils?|introduces|debuts?|raises\b|secures?|lands\b|promotes|hires?\b|partners?\b|partnership|alliance|collaborat\w*|donates|doubles|adds\b|accelerat\w*|\bnew\b|innovat\w*|top\b|benefit\w*|agrees|completes|closes \$|backed|selected|favou?rable"),
        (-2, @"bankruptcy|chapter 11|ransomware|data breach|cyber ?attack|fraud|going concern|indicted|plunges?|layoffs?|lay(?:s|ing)? off|job cuts|defaults?\b"),
        (-1, @"\bfalls?\b|drops?|slump\w*|slides?|\bloss(?:es)?\b|misses|\bmiss\b|weak\w*|\bcuts?\b|slash\w*|redundanc\w*|furlough\w*|eliminat\w*|downsiz\w*|let go|resigns?|ousts?|departs|sued|lawsuits?|fined|allegations|probe|investigation|violations|\bbreach\b|\battack\b|outage|recalls?|defect|downgrades?|disruption|warns?|\bfire\b|wildfire|damaged|boycott|controversy|disappoint\w*|delays?|\bends\b|rejected|\bhalts?\b|closes\b(?! \$)|\bconcern\b|short seller|slows?|crunch|\bagainst\b|fails?\b|failures?|shake-up|hostile|\breduce\b|\btrims?\b|declin\w*|worst|crisis|struggl\w*|unexpectedly|rival\b"));

    private static readonly Regex Negators = new(
        @"\b(?:not|no|never|without|denies|denied|won't|wont|cannot|can't|isn't|aren't|wasn't|didn't|doesn't|fails to|failed to|avoids?|avoided)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled,
        TimeSpan.FromSeconds(1));

    private static readonly Regex Word = new(@"[\p{L}\p{N}']+", RegexOptions.CultureInvariant | RegexOptions.Compiled, TimeSpan.FromSeconds(1));

    /// <summary>Sentiment of <paramref name="text"/> in -1..1, rounded to two decimals.</summary>
    public static double Score(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sum = 0;
        var hits = 0;
        var claimed = new bool[text.Length];
        foreach (var (pattern, score) in Phrases)
        {
            foreach (Match match in pattern.Matches(text))
            {
                // A longer phrase listed earlier owns its characters: "record revenue" is not also "record".
                if (claimed.AsSpan(match.Index, match.Length).Contains(true))
                {
                    continue;
                }

                claimed.AsSpan(match.Index, match.Length).Fill(true);
                hits++;
                sum += IsNegated(text, match.Index) ? -score : score;
            }
        }

        var value = Math.Clamp(sum / (double)(hits + 1), -1, 1);
        return Math.Round(value, 2);
    }

    private static bool IsNegated(string text, int index)
    {
        var before = Word.Matches(text[..index]);
        if (before.Count == 0)
        {
            return false;
        }

        var window = string.Join(' ', before.Skip(Math.Max(0, before.Count - 3)).Select(m => m.Value));
        return Negators.IsMatch(window);
    }

    private static (Regex, int)[] Build(params (int Score, string Pattern)[] phrases)
        => phrases.Select(p => (new Regex(p.Pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled, TimeSpan.FromSeconds(1)), p.Score)).ToArray();
}
