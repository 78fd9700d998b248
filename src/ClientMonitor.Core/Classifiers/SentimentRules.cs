namespace ClientMonitor.Core.Classifiers;

/// <summary>
/// What rules read well in financial sentences, over <see cref="TextTokens"/> in one pass:
/// <list type="bullet">
/// <item>direction words next to a metric: "revenue rose", "operating profit fell", "net loss narrowed",
/// "costs increased" (a direction word and a metric within five words of each other in one sentence score
/// direction x the metric's polarity; a direction word with no metric scores half);</item>
/// <item>a small lexicon of clearly good or bad business words ("beats", "record", "lawsuit", "recall"), with
/// half weight for the words that are often neutral in press releases ("launches", "loss", "cuts");</item>
/// <item>negation: a negator ("not", "no", "never", "without", "didn't", "fails"...) among the three words before
/// a scored word, in the same clause, flips it.</item>
/// </list>
/// Generic words ("new", "growth", "partners", "top") score nothing on their own.
/// </summary>
public static class SentimentRules
{
    private const int MetricWindow = 5;
    private const int NegationWindow = 3;

    private static readonly Dictionary<ulong, double> Lexicon = BuildLexicon();
    private static readonly Dictionary<ulong, int> Directions = Build(
        (1, "rose rise rises rising risen increase increased increases increasing grew grow grows growing grown up higher improved improve improves improving gained climbed climbs jumped jumps surged surges soared soars doubled tripled strengthened widened wider expanded exceeded"),
        (-1, "fell fall falls falling fallen decreased decrease decreases decreasing declined decline declines declining dropped drop drops down lower shrank shrink shrinks contracted slipped slips weakened plunged plunges tumbled tumbles slumped slumps slid slides sank sinks narrowed narrower reduced reduce reduces reducing lowered halved cut cuts cutting slash slashes slashed eliminate eliminates eliminated eliminating trims trimmed"));

    private static readonly Dictionary<ulong, int> Metrics = Build(
        (1, "revenue revenues sales profit profits earnings income ebitda ebit margin margins eps orders order backlog turnover dividend dividends share shares stock stocks cash demand production output volume volumes customers subscribers users deliveries shipments bookings result results guidance outlook forecast capacity rating target value valuation growth performance occupancy productivity jobs workforce headcount employees staff positions"),
        (-1, "loss losses cost costs expenses expense debt deficit unemployment churn impairment impairments writedown writedowns liabilities provisions leverage"));

    private static readonly HashSet<ulong> Negators = [.. Words("not no never without nor neither cannot can't didn't doesn't don't won't isn't aren't wasn't weren't hasn't haven't fails failed fail avoids avoided avoid denies denied")];

    /// <summary>The rules' reading of a text: the signed sum of the scored words and their total weight.</summary>
    /// <param name="Sum">Signed sum of the contributions.</param>
    /// <param name="Weight">Sum of the contributions' absolute weights.</param>
    /// <param name="Positive">Number of positive contributions.</param>
    /// <param name="Negative">Number of negative contributions.</param>
    public readonly record struct Reading(double Sum, double Weight, int Positive, int Negative)
    {
        /// <summary>Sum / (weight + 1), in -1..1: one clear word gives ±0.5, agreeing words push towards ±1.</summary>
        public double Score => Sum / (Weight + 1);
    }

    /// <summary>Reads tokens from <see cref="TextTokens.Tokenize"/>; linear in their number.</summary>
    public static Reading Read(IReadOnlyList<Token> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        double sum = 0, weight = 0;
        int positive = 0, negative = 0;
        var lastNegator = int.MinValue;
        var usedMetric = -1;
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (Negators.Contains(token.Hash))
            {
                lastNegator = i;
                continue;
            }

            double value;
            if (Directions.TryGetValue(token.Hash, out var direction))
            {
                var metric = NearestMetric(tokens, i, usedMetric, out var metricIndex);
                value = metric == 0 ? 0.5 * direction : direction * metric;
                if (metric != 0)
                {
                    usedMetric = metricIndex;
                }
            }
            else if (Lexicon.TryGetValue(token.Hash, out var score))
            {
                // "net loss narrowed": the metric is read with its direction word, not on its own.
                if (i == usedMetric || (Metrics.ContainsKey(token.Hash) && HasDirectionNear(tokens, i)))
                {
                    continue;
                }

                value = score;
            }
            else
            {
                continue;
            }

            if (lastNegator >= i - NegationWindow && tokens[lastNegator].Clause == token.Clause)
            {
                value = -value;
            }

            sum += value;
            weight += Math.Abs(value);
            if (value > 0)
            {
                positive++;
            }
            else
            {
                negative++;
            }
        }

        return new Reading(sum, weight, positive, negative);
    }

    private static bool HasDirectionNear(IReadOnlyList<Token> tokens, int at)
    {
        var sentence = tokens[at].Sentence;
        for (var j = Math.Max(0, at - MetricWindow); j <= Math.Min(tokens.Count - 1, at + MetricWindow); j++)
        {
            if (j != at && tokens[j].Sentence == sentence && Directions.ContainsKey(tokens[j].Hash))
            {
                return true;
            }
        }

        return false;
    }

    private static int NearestMetric(IReadOnlyList<Token> tokens, int at, int used, out int index)
    {
        var sentence = tokens[at].Sentence;
        for (var d = 1; d <= MetricWindow; d++)
        {
            foreach (var j in (ReadOnlySpan<int>)[at - d, at + d])
            {
                if (j >= 0 && j < tokens.Count && j != used && tokens[j].Sentence == sentence && Metrics.TryGetValue(tokens[j].Hash, out var polarity))
                {
                    index = j;
                    return polarity;
                }
            }
        }

        index = -1;
        return 0;
    }

    private static Dictionary<ulong, double> BuildLexicon()
    {
        var lexicon = new Dictionary<ulong, double>();
        foreach (var (score, words) in new (double, string)[]
        {
            (1, "beat beats record strong stronger strongest upgrade upgrades upgraded outperform outperformed outperforms rally rallies rallied win wins won award awarded awards approval approve approved approves favour favor boost boosts boosted exceed exceeds robust solid improvement successful success successfully optimistic bullish profitable resumed resumes upbeat favourable favorable surpass surpassed surpasses tops topped secured secures breakthrough recovery recovered rebound rebounded dismissed dismisses acquittal cleared premium"),
            (0.5, "launches launched unveils unveiled introduces introduced expands expansion raises raised lands landed completes completed partnership creating opens enters collaborates"),
            (-1, "miss misses missed weak weaker weakness downgrade downgrades downgraded underperform underperformed plunge crash crashed bankruptcy insolvency insolvent fraud layoffs layoff lawsuit lawsuits sued sues fined penalty probe recall recalls recalling recalled breach hacked hackers ransomware warning warns warned halt halts halted delay delays delayed postpones postponed disappointing disappoints disappointed impairment default defaults defaulted shortfall headwinds slowdown uncertainty concern concerns worries worried bearish scandal deficit redundancies furlough furloughs furloughed accused alleges alleged charged block blocks blocked scraps scrapped struggled struggles struggling doubt terminated termination ousted ousts stole stolen junk fire outage losing lost fraudulent misled"),
            (-0.5, "loss losses dispute fine end resigns resigned investigation risk risks pressure lower postpone delay suspended suspends ends ended"),
        })
        {
            foreach (var hash in Words(words))
            {
                lexicon[hash] = score;
            }
        }

        return lexicon;
    }

    private static Dictionary<ulong, int> Build(params (int Value, string Words)[] groups)
    {
        var map = new Dictionary<ulong, int>();
        foreach (var (value, words) in groups)
        {
            foreach (var hash in Words(words))
            {
                map[hash] = value;
            }
        }

        return map;
    }

    private static IEnumerable<ulong> Words(string words) => words.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(TextTokens.Hash);
}
