using System.Globalization;
using System.Text.Json;
using ClientMonitor.Core.Classifiers;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Providers;
using Xunit.Abstractions;

namespace ClientMonitor.Core.Tests.Classifiers;

public sealed class RuleBasedClassifierTests(ITestOutputHelper output)
{
    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true };
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("Acme opens new headquarters in Denver", EventCategory.Expansion)]
    [InlineData("Acme to acquire Globex for $3 billion", EventCategory.Acquisition)]
    [InlineData("Acme raises $40 million Series B", EventCategory.Funding)]
    [InlineData("Acme CEO steps down", EventCategory.LeadershipChange)]
    [InlineData("Acme lays off 200 employees", EventCategory.Layoffs)]
    [InlineData("Acme sued over patent infringement", EventCategory.Legal)]
    [InlineData("Acme quarterly earnings beat estimates", EventCategory.FinancialResults)]
    [InlineData("Acme unveils new smartphone", EventCategory.ProductLaunch)]
    [InlineData("Acme partners with Initech on logistics", EventCategory.Partnership)]
    [InlineData("Acme hit by ransomware attack", EventCategory.Risk)]
    [InlineData("Acme sponsors charity gala", EventCategory.Other)]
    public void Classify_TypicalHeadline_GetsItsCategory(string headline, EventCategory expected)
    {
        Assert.Equal(expected, Classify(headline).Category);
    }

    [Fact]
    public void Sentiment_NegatedBadNews_ReadsPositive()
    {
        Assert.True(SentimentLexicon.Score("Acme lays off 500 workers") < 0);
        Assert.True(SentimentLexicon.Score("Acme says it will not lay off workers") > 0);
    }

    [Fact]
    public void Sentiment_NegatedGoodNews_ReadsNegative()
    {
        Assert.True(SentimentLexicon.Score("Acme wins contract") > 0);
        Assert.True(SentimentLexicon.Score("Acme never wins anything") < 0);
    }

    [Fact]
    public void Sentiment_NegatorFarBeforeTheWord_DoesNotFlip()
    {
        Assert.True(SentimentLexicon.Score("No surprise as the firm's old rival reports a loss") < 0);
    }

    [Fact]
    public void Relevance_NameInTitleAndRecent_ScoresAboveNameOnlyInSnippet()
    {
        var inTitle = Classify("Acme to cut 300 jobs", published: Now.AddHours(-5));
        var inSnippet = RuleBasedClassifier.Classify(Input("Regional manufacturer to cut 300 jobs", "The company, Acme, confirmed the plan.", Now.AddHours(-5)));

        Assert.True(inTitle.Relevance > inSnippet.Relevance, $"{inTitle.Relevance} vs {inSnippet.Relevance}");
    }

    [Fact]
    public void Relevance_OldNews_ScoresLowerThanFreshNews()
    {
        var fresh = Classify("Acme to cut 300 jobs", published: Now.AddDays(-1));
        var old = Classify("Acme to cut 300 jobs", published: Now.AddDays(-60));

        Assert.Equal(0.2, Math.Round(fresh.Relevance - old.Relevance, 2));
    }

    [Fact]
    public void Risk_SevereNegativeRiskNews_IsHigh_PositiveLaunchIsNone()
    {
        Assert.Equal(RiskLevel.High, Classify("Acme files for Chapter 11 bankruptcy").Risk);
        Assert.Equal(RiskLevel.None, Classify("Acme launches new product").Risk);
    }

    [Fact]
    public void Classify_LabelledHeadlines_ReachesAccuracyFloor()
    {
        var rows = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Classifiers", "labelled-headlines.jsonl"))
            .Where(l => l.Length > 0)
            .Select(l => JsonSerializer.Deserialize<LabelledHeadline>(l, JsonOptions)!)
            .ToList();
        var categoryHits = 0;
        var sentimentHits = 0;
        var misses = new List<string>();
        foreach (var row in rows)
        {
            var client = new Client("c", "b", row.Client, null, null, [], [], null, null, true);
            var result = RuleBasedClassifier.Classify(new ClassificationInput(row.Text, null, "test", null, Now, client, Now));
            var category = JsonNamingPolicy.SnakeCaseLower.ConvertName(result.Category.ToString());
            var sentiment = result.Sentiment > 0.1 ? "positive" : result.Sentiment < -0.1 ? "negative" : "neutral";
            categoryHits += category == row.Category ? 1 : 0;
            sentimentHits += sentiment == row.Sentiment ? 1 : 0;
            if (category != row.Category)
            {
                misses.Add($"category {category} (want {row.Category}): {row.Text}");
            }
        }

        var categoryAccuracy = categoryHits / (double)rows.Count;
        var sentimentAccuracy = sentimentHits / (double)rows.Count;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rows.Count} headlines: category accuracy {categoryAccuracy:P1}, sentiment-sign accuracy {sentimentAccuracy:P1}"));
        misses.ForEach(output.WriteLine);

        Assert.True(rows.Count >= 150);
        // Floors a little under the measured values (see the closing note of the pipeline issue) so a rule change
        // that makes the classifier clearly worse fails here.
        Assert.True(categoryAccuracy >= 0.90, $"category accuracy {categoryAccuracy:P1}");
        Assert.True(sentimentAccuracy >= 0.70, $"sentiment accuracy {sentimentAccuracy:P1}");
    }

    private static Classification Classify(string title, DateTimeOffset? published = null)
        => RuleBasedClassifier.Classify(Input(title, null, published ?? Now));

    private static ClassificationInput Input(string title, string? snippet, DateTimeOffset published)
        => new(title, snippet, "test", null, published, new Client("c1", "b1", "Acme", "acme.com", "manufacturing", [], [], null, null, true), Now);

    private sealed record LabelledHeadline(string Client, string Text, string Category, string Sentiment);
}
