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
        (EventCategory.Risk, 2, @"recall(?:ing|ed)\b|hackers?\b|\bstole\b|stolen|personal data|substantial doubt|junk\b|explosion|contamination|credit rating|rating agency|moody's|fitch|ransomware|cyber ?attack|data breach|security breach|breach exposes|outage|recalls?\b|bankruptcy|chapter 11|insolven|defaults? on|going concern|short seller|boycott|wildfire|factory fire|\bfire\b|halts production|supply chain disruption|hacked"),
        (EventCategory.Risk, 1, @"downgrades?\b|\bwarns?\b|plunges?|controversy|disruption|damaged|defect"),
        (EventCategory.Legal, 2, @"prosecutors?|charged (?:\w+ ){0,3}with fraud|without merit|defend itself|rules in favou?r|competition authority|(?:pay|paid) a fine|fine of|lawsuits?|\bsued\b|\bsues\b|files suit|class action|antitrust|indicted|litigation|fined\b|\bprobe\b|under investigation|patent dispute|breach of contract|fraud allegations|regulatory action|court\b|\bjudge\b|settles\b|settlement"),
        (EventCategory.Legal, 1, @"\bclaims\b|\bruling\b|alleges|\bsec\b|\bftc\b|regulators?|allegations|violations|trademark|\bcase\b|compliance|dispute"),
        (EventCategory.Layoffs, 2, @"reduce (?:its |the )?workforce|(?:positions|roles|jobs) (?:would|will) be (?:eliminated|cut)|termination of (?:up to )?[\d,]+|employment contracts|temporary layoffs|(?:statutory|change|co-?operation) negotiations|job losses|cutting [\d,]+ (?:roles|jobs|positions)|lay(?:s|ing)? off|layoffs?|job cuts|cuts? [\d,]+ jobs|cuts? (?:\w+ ){0,2}jobs|eliminat\w* [\d,]* ?(?:positions|roles|jobs)|slash\w* headcount|redundancies|furlough\w*|trims? (?:its )?workforce|downsiz\w*|let go|reduce (?:its )?staff|workforce reduction|headcount reduction"),
        (EventCategory.Layoffs, 1, @"restructuring|cost-cutting"),
        (EventCategory.Acquisition, 2, @"agreed to buy|agrees to buy|majority stake|controlling stake|tender offer|merger agreement|takeover|acquir\w*|acquisition|takeover|\bmerger\b|\bmerges?\b|to merge|buyout|to be bought|snaps up|purchase of|announces purchase|\bbuys\b|to buy\b"),
        (EventCategory.Acquisition, 1, @"all-stock|deal valued|hostile bid|\bbid\b"),
        (EventCategory.Funding, 2, @"(?:raised|raises|secures|secured|closes|closed) (?:a |an )?(?:\$|eur|usd|gbp|€|£)?[\d.,]+ ?(?:m|bn|million|billion)?\b[^.]{0,40}(?:round|funding|financing|investment|facility)|seed round|pre-seed|growth round|financing round|(?:senior )?(?:unsecured |secured )?notes? (?:offering|due)|offering of (?:senior )?(?:unsecured )?notes|convertible|revolving credit|loan facility|term loan|rights issue|venture (?:firms?|capital)|postpones? (?:its )?ipo|raise new capital|series [a-f]\b|seed round|funding round|raises? \$|raised \$|raises new capital|raise new funding|venture funding|growth equity|files for (?:an )?ipo|\bipo\b|bond offering|private placement|credit facility|\bfunding\b|investment from|\$[\d.]+ ?(?:m|million|b|billion) investment"),
        (EventCategory.Funding, 1, @"investors?\b|financing|\braise\b|valuation|backed by|investors? pull|capital\b|\bround\b"),
        (EventCategory.LeadershipChange, 2, @"(?:has )?join(?:s|ed) (?:\w+ ){0,4}as (?:its |the |a |new )*(?:chief|ceo|cfo|cto|coo|president|chair|head)|appointment of|\bsucceeds?\b|will succeed|as (?:the )?new (?:president|ceo|chief|chair)|hands (?:the )?reins|\bhired (?:a )?(?:new )?(?:chief|ceo|cfo|cto|coo|president)|names (?:\w+ ){0,3}as (?:chair|ceo|president)|steps? down|\bresigns?\b|resignation|\bretires?\b|to retire|successor|\bousts?\b|\bappoints?\b|\bappointed\b|names [\w .'-]+ (?:as|to)\b|named (?:new )?(?:ceo|chief|president|chair)|new (?:ceo|cfo|cto|coo|chief executive|chairman|president)|leadership transition|promotes [\w .'-]+ to|elects new|\btaps\b|hires (?:new |former )?(?:ceo|cfo|cto|coo|chief)|\bdeparts\b"),
        (EventCategory.LeadershipChange, 1, @"\bceo\b|\bcfo\b|\bcto\b|\bcoo\b|chief \w+ officer|chief executive|chairman|\bpresident\b|board directors"),
        (EventCategory.FinancialResults, 2, @"net sales|operating (?:profit|income|loss|result|margin)|net (?:profit|loss)|pre-?tax (?:profit|loss)|earnings per share|\beps\b|ebitda|gross margin|cash flow from operating|order (?:backlog|intake)|comparable (?:store )?sales|like-for-like sales|(?:nine|six|three|twelve)-month|half-year|interim report|year-end report|(?:first|second) half|fiscal (?:year|quarter)|full-year|dividend|net debt|sales volumes?|earnings|revenue|quarterly (?:profit|loss|results)|net income|(?:first|second|third|fourth)[- ]quarter|\bq[1-4]\b|annual results|full-year guidance|guidance|outlook|same-store sales|sales (?:up|down|grow|fall|rise)|swings? to a (?:loss|profit)|wider (?:quarterly )?loss|beats estimates|misses (?:revenue )?(?:forecast|estimates)"),
        (EventCategory.FinancialResults, 1, @"\bsales\b|\bmargin\b|\bdemand\b|\bperiod\b|a year (?:earlier|ago)|year-on-year|corresponding period|profit|\bloss\b|quarter|estimates|forecast|fiscal|expectations|year over year|first-half"),
        (EventCategory.Partnership, 2, @"agreement with|codeshare|distribution agreement|\bdistribute\b|cooperation|as (?:its |a |their )?(?:\w+ )?partner\b|supply (?:agreement|deal|partnership)|memorandum of understanding|partners? with|partnership|teams? up|joint venture|alliance|collaborates?|multi-year agreement|distribution deal|pass agreement|partner network|co-develop|official \w+ partner|inks? (?:a )?deal|strategic agreement"),
        (EventCategory.Partnership, 1, @"\bpartner\b|agreement|\bsigns?\b|together"),
        (EventCategory.ProductLaunch, 2, @"launched|released|introduced|available (?:to|from|in)|goes on sale|new version|next-generation|\bunveiled|approval for|delays? (?:the )?launch|new (?:model|product|range|service|app|device|handset)\b|launch(?:es|ed)? (?!operations)|unveil\w*|introduces|debuts?|rolls? out|general availability|releases version|\bships\b|fda approval|new line of|now available"),
        (EventCategory.ProductLaunch, 1, @"\blaunch\w*|\bnew (?:app|product|feature|service|platform|model)|version \d|features\b"),
        (EventCategory.Expansion, 2, @"(?:will )?open (?:a |an |its )?new|(?:distribution|logistics|production|engineering|research) (?:centre|center|hub|site)|\benters? (?:the )?(?:\w+ ){0,2}markets?|add [\d,]+ (?:stores|locations|offices|sites)|increase (?:the )?capacity|construction of|\bhub\b|new (?:factory|offices)|expan\w+|opens (?:new|its|a|second|first|\d)|new headquarters|new (?:office|offices|campus|resort|regions?|stores|plant|factory|hub)|(?<![\w-])plant(?![\w-])|manufacturing facility|data center capacity|breaks ground|enters [\w ]+ market|launches operations|adds [\d,]+ (?:stores|locations|offices)|to hire [\d,]+|extends into|footprint"),
        (EventCategory.Expansion, 1, @"\bopens\b|facility|capacity|\bgrows\b|new markets?|international push|\bpush\b"));

    /// <summary>Categories are read from the start of a text only: the headline and lead say what it is about.</summary>
    public const int MaxChars = 8192;

    /// <summary>The categories in tie-break order (riskier first).</summary>
    public static IReadOnlyList<EventCategory> TieBreakOrder { get; } = [.. Rules.Select(r => r.Category).Distinct()];

    /// <summary>Each category's rule score (indexed by the enum's value) over the first <see cref="MaxChars"/> characters.</summary>
    public static int[] Scores(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var head = text.Length > MaxChars ? text[..MaxChars] : text;
        var scores = new int[Enum.GetValues<EventCategory>().Length];
        foreach (var (category, pattern, weight) in Rules)
        {
            scores[(int)category] += weight * pattern.Count(head);
        }

        return scores;
    }

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
