using System.Globalization;
using ClientMonitor.Core.Classifiers;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Providers;
using Xunit.Abstractions;

namespace ClientMonitor.Core.Tests.Classifiers;

public sealed class KeylessClassifierTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly KeylessClassifier Classifier = KeylessClassifier.Default;

    [Theory]
    [InlineData("Net sales for the nine-month period increased by 14 percent to EUR 412 million.")]
    [InlineData("Operating profit rose to EUR 38.2 million from EUR 29.5 million.")]
    [InlineData("The net loss narrowed to $3.4 million from $9.8 million a year ago.")]
    [InlineData("Ardent Motors' operating margin improved to 9.1 percent from 7.4 percent.")]
    public void Sentiment_MetricMovingTheGoodWay_IsPositive(string text)
    {
        Assert.True(Classifier.Sentiment(text) > ClassifierEvaluation.NeutralBand, $"{Classifier.Sentiment(text)}");
    }

    [Theory]
    [InlineData("Pre-tax profit fell to GBP 12 million from GBP 19 million.")]
    [InlineData("Net sales decreased by 6 percent to USD 88 million.")]
    [InlineData("Costs rose faster than revenue, and the operating result weakened.")]
    public void Sentiment_MetricMovingTheBadWay_IsNegative(string text)
    {
        Assert.True(Classifier.Sentiment(text) < -ClassifierEvaluation.NeutralBand, $"{Classifier.Sentiment(text)}");
    }

    [Theory]
    [InlineData("Halcyon Freight is a logistics company headquartered in Gothenburg, Sweden.")]
    [InlineData("Kestrel Foods will hold its annual general meeting on 3 April in Helsinki.")]
    public void Sentiment_PlainFacts_StayNeutral(string text)
    {
        Assert.InRange(Classifier.Sentiment(text), -ClassifierEvaluation.NeutralBand, ClassifierEvaluation.NeutralBand);
    }

    [Fact]
    public void Sentiment_NegatedBadNews_ReadsBetterThanTheNews()
    {
        Assert.True(Classifier.Sentiment("Acme says it will not lay off workers") > Classifier.Sentiment("Acme lays off 500 workers"));
    }

    [Fact]
    public void Sentiment_IsGraded_NotAHandfulOfSteps()
    {
        var scores = DevSet().Select(r => Classifier.Sentiment(r.Text)).Distinct().Count();

        Assert.True(scores >= 60, $"{scores} distinct scores");
    }

    [Theory]
    [InlineData("Contoso shares jump while Fabrikam slides after losing the contract", "Contoso", 1)]
    [InlineData("Contoso shares jump while Fabrikam slides after losing the contract", "Fabrikam", -1)]
    [InlineData("Litware profit rises but Proseware posts a wider loss", "Litware", 1)]
    [InlineData("Litware profit rises but Proseware posts a wider loss", "Proseware", -1)]
    [InlineData("Northwind reported record quarterly revenue. Its rival Tailspin, by contrast, warned that sales would fall sharply.", "Tailspin", -1)]
    public void Sentiment_TowardATarget_ReadsTheClausesThatNameIt(string text, string target, int sign)
    {
        Assert.Equal(sign, Math.Sign(Classifier.Sentiment(text, target)));
    }

    [Theory]
    [InlineData("Maria Lindqvist has joined Tidewell Logistics as Chief Financial Officer, effective 1 March.", EventCategory.LeadershipChange)]
    [InlineData("Halcyon Freight today announced that its net sales for the nine-month period increased by 14 percent.", EventCategory.FinancialResults)]
    [InlineData("Veridian Labs has raised $25 million in a Series B round led by Northgate Ventures.", EventCategory.Funding)]
    [InlineData("Stellan Robotics today launched the R7, a collaborative robot arm.", EventCategory.ProductLaunch)]
    [InlineData("Castellan Insurance agrees to buy rival Harbourline in $2.3 billion deal", EventCategory.Acquisition)]
    [InlineData("The company employs about 4,500 people in 12 countries.", EventCategory.Other)]
    public void Category_PressReleaseSentences_GetTheirCategory(string text, EventCategory expected)
    {
        Assert.Equal(expected, Classifier.Category(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Relevance_EmptyClientName_CountsAsNotMentioned(string name)
    {
        var unnamed = Classifier.Classify(Input("Acme to cut 300 jobs", name));
        var absent = Classifier.Classify(Input("Acme to cut 300 jobs", "Globex"));

        Assert.Equal(absent.Relevance, unnamed.Relevance);
    }

    [Fact]
    public async Task Classify_DevSet_ReachesQualityFloors()
    {
        var (sentiment, category) = await ClassifierEvaluation.EvaluateAsync(Classifier, DevSet(), CancellationToken.None, output.WriteLine);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sentiment macro-F1 {sentiment.MacroF1:F3} accuracy {sentiment.Accuracy:F3}; category accuracy {category.Accuracy:F3}"));

        // Floors a little under the values docs/classifier.md reports (0.811, 0.811, 0.984).
        Assert.True(sentiment.MacroF1 >= 0.77, $"sentiment macro-F1 {sentiment.MacroF1:F3}");
        Assert.True(category.Accuracy >= 0.93, $"category accuracy {category.Accuracy:F3}");
    }

    [Fact]
    public async Task Classify_LabelledHeadlines_ReachesAccuracyFloor()
    {
        var rows = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Classifiers", "labelled-headlines.jsonl"))
            .Where(l => l.Length > 0)
            .Select(l => WireJson.Deserialize<LabelledHeadline>(l)!)
            .Select(h => new EvaluationRow(h.Text, h.Sentiment, h.Category, h.Client))
            .ToList();

        var (sentiment, category) = await ClassifierEvaluation.EvaluateAsync(Classifier, rows, CancellationToken.None, output.WriteLine);

        // Measured 0.987 and 0.609. This file labels corporate events (deals, hires, launches, partnerships) positive;
        // the financial-sentiment convention the model learns (and the dev set follows) calls them neutral, hence the
        // lower sentiment floor than RuleBasedClassifierTests' 0.70 (docs/classifier.md, "Two conventions").
        Assert.True(category.Accuracy >= 0.95, $"category accuracy {category.Accuracy:F3}");
        Assert.True(sentiment.Accuracy >= 0.55, $"sentiment accuracy {sentiment.Accuracy:F3}");
    }

    [Fact]
    public void Classify_MegabyteOfDenseText_GivesAnAnswerInRange()
    {
        var text = string.Concat(Enumerable.Repeat("Contoso shares fell not by 5% but revenue rose; the lawsuit was dismissed. ", 14_000));

        var result = Classifier.Classify(Input(text, "Contoso"));

        Assert.InRange(result.Sentiment, -1, 1);
        Assert.InRange(result.Relevance, 0, 1);
    }

    [Fact]
    public void Classify_FromManyThreads_GivesTheSameAnswers()
    {
        var texts = DevSet().Select(r => r.Text).ToArray();
        var sequential = texts.Select(t => Classifier.Classify(Input(t, "Contoso"))).ToArray();

        var parallel = new Classification[texts.Length];
        Parallel.For(0, texts.Length, i => parallel[i] = new KeylessClassifier().Classify(Input(texts[i], "Contoso")));

        Assert.Equal(sequential, parallel);
    }

    [Fact]
    public void Model_SavedAndLoaded_KeepsItsBytes()
    {
        var bytes = KeylessModel.Embedded.ToBytes();
        using var stream = new MemoryStream(bytes);

        Assert.Equal(bytes, KeylessModel.Load(stream).ToBytes());
    }

    [Fact]
    public void Training_SameSubsetTwice_GivesIdenticalBytes()
    {
        var rows = DevSet().Concat(DevSet().Select(r => r with { Text = r.Text.ToUpperInvariant() })).ToList();
        var sentiment = rows.Select(r => new LabelledText(r.Text, r.Sentiment!)).ToList();
        var topics = rows.Select(r => new LabelledText(r.Text, r.Category!)).ToList();
        var options = new TrainingOptions { Bits = 12, Epochs = 3 };

        var first = KeylessModel.Train(sentiment, topics, options).Model.ToBytes();
        var second = KeylessModel.Train(sentiment, topics, options).Model.ToBytes();

        Assert.Equal(first, second);
        Assert.NotEqual(first, KeylessModel.Train(sentiment, topics, options with { Seed = 7 }).Model.ToBytes());
    }

    /// <summary>
    /// Training is pinned to the bit: the committed subset (the dev set) and seed give these exact bytes. A change to
    /// tokens, features, the optimiser or the file format shows here, and then the committed model must be retrained.
    /// </summary>
    [Fact]
    public void Training_CommittedSubset_GivesThePinnedBytes()
    {
        var rows = DevSet();
        var options = new TrainingOptions { Bits = 12, Epochs = 3 };

        var model = KeylessModel.Train(rows.Select(r => new LabelledText(r.Text, r.Sentiment!)).ToList(), rows.Select(r => new LabelledText(r.Text, r.Category!)).ToList(), options).Model;

        Assert.Equal(PinnedSubsetModelSha256, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(model.ToBytes())));
    }

    /// <summary>
    /// Where the public training data sits next to the repository (<c>../shared/datasets</c>), retraining gives the
    /// committed model's bytes; where it does not, this test says so in its output and checks nothing.
    /// </summary>
    [Fact]
    public void Training_FullData_ReproducesTheCommittedModel()
    {
        var data = DatasetsFolder();
        if (data is null)
        {
            output.WriteLine("no datasets folder next to the repository: nothing to check");
            return;
        }

        var model = KeylessModel.Train(ReadCsv(data, "twitter_financial_news_sentiment_train.csv"), ReadCsv(data, "twitter_financial_news_topic_train.csv"), new TrainingOptions()).Model;

        Assert.Equal(Convert.ToHexString(KeylessModel.Embedded.ToBytes()), Convert.ToHexString(model.ToBytes()));
    }

    private const string PinnedSubsetModelSha256 = "B9563C328E6157A1A9B425C3AA9E35836B45BF270675807B9E1DB1191C9FE9E5";

    private sealed record LabelledHeadline(string Client, string Text, string Category, string Sentiment);

    private static ClassificationInput Input(string title, string clientName)
        => new(title, null, "test", null, Now, new Client("c1", "b1", clientName, null, null, [], [], null, null, true), Now);

    private static List<EvaluationRow> DevSet()
    {
        using var reader = File.OpenText(Path.Combine(AppContext.BaseDirectory, "Classifiers", "dev-set.jsonl"));
        return ClassifierEvaluation.ReadJsonLines(reader);
    }

    private static List<LabelledText> ReadCsv(string folder, string file)
    {
        using var reader = File.OpenText(Path.Combine(folder, file));
        return TrainingData.ReadCsv(reader);
    }

    private static string? DatasetsFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Functions.sln")))
            {
                var datasets = Path.Combine(dir.FullName, "..", "shared", "datasets");
                return File.Exists(Path.Combine(datasets, "twitter_financial_news_sentiment_train.csv")) ? datasets : null;
            }
        }

        return null;
    }
}
