using System.Text.RegularExpressions;
using ClientMonitor.Core.Pipeline;

namespace ClientMonitor.Core.Classifiers;

/// <summary>
/// Phrase patterns per category with weights (2 = decisive phrase, 1 = supporting word). An item gets the category
/// with the highest total; ties go to the category listed first (the riskier one), and no match at all is
/// <see cref="EventCategory.Other"/>.
/// </summary>
internal static class CategoryRules
{
    private static readonly (EventCategory Category, Regex Pattern, int Weight)[] Rules = Build(
        (EventCategory.Risk, 2, @"ransomware|cyber ?attack|data breach|security breach|breach exposes|outage|recalls?\b|bankruptcy|chapter 11|insolven|defaults? on|downgrades?\b|going concern|short seller|boycott|wildfire|factory fire|\bfire\b|halts production|supply chain disruption|hacked"),
        (EventCategory.Risk, 1, @"\bwarns?\b|plunges?|controversy|disruption|damaged|defect"),
        (EventCategory.Legal, 2, @"lawsuits?|\bsued\b|\bsues\b|files suit|class action|antitrust|indicted|litigation|fined\b|\bprobe\b|under investigation|patent dispute|breach of contract|fraud allegations|regulatory action|court\b|\bjudge\b|settles\b|settlement"),
        (EventCategory.Legal, 1, @"\bsec\b|\bftc\b|regulators?|allegations|violations|trademark|\bcase\b|compliance|dispute"),
        (EventCategory.Layoffs, 2, @"lay(?:s|ing)? off|layoffs?|job cuts|cuts? [\d,]+ jobs|cuts? (?:\w+ ){0,2}jobs|eliminat\w* [\d,]* ?(?:positions|roles|jobs)|slash\w* headcount|redundancies|furlough\w*|trims? (?:its )?workforce|downsiz\w*|let go|reduce (?:its )?staff|workforce reduction|headcount reduction"),
        (EventCategory.Layoffs, 1, @"restructuring|cost-cutting"),
        (EventCategory.Acquisition, 2, @"acquir\w*|acquisition|takeover|\bmerger\b|\bmerges?\b|to merge|buyout|to be bought|snaps up|purchase of|announces purchase|\bbuys\b|to buy\b"),
        (EventCategory.Acquisition, 1, @"all-stock|deal valued|hostile bid|\bbid\b"),
        (EventCategory.Funding, 2, @"series [a-f]\b|seed round|funding round|raises? \$|raised \$|raises new capital|raise new funding|venture funding|growth equity|files for (?:an )?ipo|\bipo\b|bond offering|private placement|credit facility|\bfunding\b|investment from|\$[\d.]+ ?(?:m|million|b|billion) investment"),
        (EventCategory.Funding, 1, @"valuation|backed by|investors? pull|capital\b|\bround\b"),
        (EventCategory.LeadershipChange, 2, @"steps? down|\bresigns?\b|resignation|\bretires?\b|to retire|successor|\bousts?\b|\bappoints?\b|\bappointed\b|names [\w .'-]+ (?:as|to)\b|named (?:new )?(?:ceo|chief|president|chair)|new (?:ceo|cfo|cto|coo|chief executive|chairman|president)|leadership transition|promotes [\w .'-]+ to|elects new|\btaps\b|hires (?:new |former )?(?:ceo|cfo|cto|coo|chief)|\bdeparts\b"),
        (EventCategory.LeadershipChange, 1, @"\bceo\b|\bcfo\b|\bcto\b|\bcoo\b|chief \w+ officer|chief executive|chairman|\bpresident\b|board directors"),
        (EventCategory.FinancialResults, 2, @"earnings|revenue|quarterly (?:profit|loss|results)|net income|(?:first|second|third|fourth)[- ]quarter|\bq[1-4]\b|annual results|full-year guidance|guidance|outlook|same-store sales|sales (?:up|down|grow|fall|rise)|swings? to a (?:loss|profit)|wider (?:quarterly )?loss|beats estimates|misses (?:revenue )?(?:forecast|estimates)"),
        (EventCategory.FinancialResults, 1, @"profit|\bloss\b|quarter|estimates|forecast|fiscal|expectations|year over year|first-half"),
        (EventCategory.Partnership, 2, @"partners? with|partnership|teams? up|joint venture|alliance|collaborates?|multi-year agreement|distribution deal|pass agreement|partner network|co-develop|official \w+ partner|inks? (?:a )?deal|strategic agreement"),
        (EventCategory.Partnership, 1, @"\bpartner\b|agreement|\bsigns?\b|together"),
        (EventCategory.ProductLaunch, 2, @"launch(?:es|ed)? (?!operations)|unveil\w*|introduces|debuts?|rolls? out|general availability|releases version|\bships\b|fda approval|new line of|now available"),
        (EventCategory.ProductLaunch, 1, @"\blaunch\w*|\bnew (?:app|product|feature|service|platform|model)|version \d|features\b"),
        (EventCategory.Expansion, 2, @"expan\w+|opens (?:new|its|a|second|first|\d)|new headquarters|new (?:office|offices|campus|resort|regions?|stores|plant|factory|hub)|(?<![\w-])plant(?![\w-])|manufacturing facility|data center capacity|breaks ground|enters [\w ]+ market|launches operations|adds [\d,]+ (?:stores|locations|offices)|to hire [\d,]+|extends into|footprint"),
        (EventCategory.Expansion, 1, @"\bopens\b|facility|capacity|\bgrows\b|new markets?|international push|\bpush\b"));

    public static (EventCategory Category, int Score) Best(string text)
    {
        var scores = new Dictionary<EventCategory, int>();
        foreach (var (category, pattern, weight) in Rules)
        {
            var matches = pattern.Count(text);
            if (matches > 0)
            {
                scores[category] = scores.GetValueOrDefault(category) + (weight * matches);
            }
        }

        if (scores.Count == 0)
        {
            return (EventCategory.Other, 0);
        }

        // Rules are listed in tie-break order; the first category reaching the top score wins.
        var top = scores.Values.Max();
        var winner = Rules.Select(r => r.Category).First(c => scores.GetValueOrDefault(c) == top);
        return (winner, top);
    }

    private static (EventCategory, Regex, int)[] Build(params (EventCategory Category, int Weight, string Pattern)[] rules)
        => rules.Select(r => (r.Category, new Regex(r.Pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled, TimeSpan.FromSeconds(1)), r.Weight)).ToArray();
}
