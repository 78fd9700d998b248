using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ClientMonitor.Core.Classifiers;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Providers;

// Training data: zeroshot/twitter-financial-news-sentiment and zeroshot/twitter-financial-news-topic (MIT licence);
// see docs/classifier.md. Every command is deterministic except bench's timings.
var arguments = Arguments.Parse(args);
try
{
    return arguments.Command switch
    {
        "train" => Train(arguments),
        "evaluate" => await EvaluateAsync(arguments),
        "bench" => Bench(arguments),
        _ => Usage(),
    };
}
catch (Exception ex) when (ex is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
{
    await Console.Error.WriteLineAsync(ex.Message);
    return 2;
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage: ClientMonitor.ClassifierTool <command> [options]
          train     --sentiment <csv> --topics <csv> --out <model.bin> [--seed N] [--epochs N] [--holdout 0.2]
          evaluate  --sentiment <csv> --topics <csv> --dev <jsonl> [--model <model.bin>] [--classifier keyless|rule_based] [--seed N] [--holdout 0.2]
                    [--model-sentiment-weight x] [--rule-sentiment-weight x] [--model-category-weight x] [--min-category-score x] [--off-target-weight x] [--misses true]
          bench     [--model <model.bin>] [--items N]
        CSV files are text,label with a header row: sentiment labels 0/1/2 (bearish/bullish/neutral) or
        negative/positive/neutral; topic labels the twitter topic numbers or category names (leadership_change...).
        """);
    return 2;
}

static int Train(Arguments a)
{
    var options = a.Options();
    var started = Stopwatch.StartNew();
    var (model, _, _) = KeylessModel.Train(ReadCsv(a.Required("sentiment")), ReadCsv(a.Required("topics")), options);
    var bytes = model.ToBytes();
    var output = a.Required("out");
    File.WriteAllBytes(output, bytes);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {output}: {bytes.Length:N0} bytes, sha256 {Convert.ToHexStringLower(SHA256.HashData(bytes))}, seed {options.Seed}, {options.Epochs} epochs, {options.HoldOut:P0} held out, {started.Elapsed.TotalSeconds:F1} s"));
    return 0;
}

static async Task<int> EvaluateAsync(Arguments a)
{
    var options = a.Options();
    var model = a.Optional("model") is { } path ? LoadModel(path) : KeylessModel.Embedded;
    IEventClassifier classifier = a.Optional("classifier") is "rule_based" ? new RuleBasedClassifier() : new KeylessClassifier(model, a.ClassifierOptions());
    var sentiment = SplitHoldOut(ReadCsv(a.Required("sentiment")), TrainingData.SentimentLabel, options, 0);
    var topics = SplitHoldOut(ReadCsv(a.Required("topics")), TrainingData.CategoryLabel, options, 1);
    using var devReader = File.OpenText(a.Required("dev"));
    var dev = ClassifierEvaluation.ReadJsonLines(devReader);

    var (heldOutSentiment, _) = await ClassifierEvaluation.EvaluateAsync(classifier, [.. sentiment.Select(r => new EvaluationRow(r.Text, r.Label, null))], CancellationToken.None);
    var (_, heldOutCategory) = await ClassifierEvaluation.EvaluateAsync(classifier, [.. topics.Select(r => new EvaluationRow(r.Text, null, r.Label))], CancellationToken.None);
    var (devSentiment, devCategory) = await ClassifierEvaluation.EvaluateAsync(classifier, dev, CancellationToken.None, a.Optional("misses") is "true" ? Console.WriteLine : null);
    Console.WriteLine($"classifier: {a.Optional("classifier") ?? "keyless"}");
    Print("held-out tweets, sentiment", heldOutSentiment);
    Print("held-out tweets, category (mapped topics)", heldOutCategory);
    Print("dev set, sentiment", devSentiment);
    Print("dev set, category", devCategory);
    return 0;
}

static int Bench(Arguments a)
{
    var model = a.Optional("model") is { } path ? LoadModel(path) : KeylessModel.Embedded;
    var classifier = new KeylessClassifier(model, null);
    var items = int.Parse(a.Optional("items") ?? "50000", CultureInfo.InvariantCulture);
    string[] texts =
    [
        "Contoso to acquire Fabrikam for $3 billion in cash",
        "Net sales for the nine-month period increased by 14 percent to EUR 412 million.",
        "Fabrikam CEO steps down after board dispute",
        "Northwind Traders opens new headquarters in Denver, adding 600 jobs",
        "The company's shares are listed on Nasdaq Helsinki.",
        "Operating profit fell to EUR 4.1 million from EUR 6.3 million a year earlier.",
        "Litware unveils AI assistant for accountants",
        "Tailspin Toys hit by ransomware attack, shipments delayed",
    ];
    var client = new Client("bench", "bench", "Contoso", null, null, [], [], null, null, true);
    var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    var inputs = texts.Select(t => new ClassificationInput(t, null, "bench", null, now, client, now)).ToArray();
    for (var i = 0; i < 2000; i++)
    {
        classifier.Classify(inputs[i % inputs.Length]);
    }

    var watch = Stopwatch.StartNew();
    var checksum = 0.0;
    for (var i = 0; i < items; i++)
    {
        checksum += classifier.Classify(inputs[i % inputs.Length]).Sentiment;
    }

    var perSecond = items / watch.Elapsed.TotalSeconds;
    var big = new StringBuilder();
    var sentence = 0;
    while (big.Length < 1_000_000)
    {
        big.Append(texts[sentence++ % texts.Length]).Append(' ');
    }

    var megabyte = big.ToString(0, 1_000_000);
    watch.Restart();
    var result = classifier.Classify(new ClassificationInput(megabyte, null, "bench", null, now, client, now));
    var megabyteTime = watch.Elapsed;
    using var process = Process.GetCurrentProcess();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{items:N0} short items on one thread: {perSecond:N0} items/s (checksum {checksum:F2})"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"1 MB text: {megabyteTime.TotalMilliseconds:N0} ms ({result.Category}, sentiment {result.Sentiment})"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak working set {process.PeakWorkingSet64 / 1048576.0:N0} MB, managed heap {GC.GetTotalMemory(false) / 1048576.0:N0} MB"));
    return 0;
}

static void Print(string title, ClassificationMetrics m)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{title}: n={m.Count} accuracy {m.Accuracy:F3} macro-F1 {m.MacroF1:F3}"));
    foreach (var c in m.Classes)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {c.Label,-18} n={c.Support,5} precision {c.Precision:F2} recall {c.Recall:F2} F1 {c.F1:F2}"));
    }
}

static List<LabelledText> ReadCsv(string path)
{
    using var reader = File.OpenText(path);
    return TrainingData.ReadCsv(reader);
}

static KeylessModel LoadModel(string path)
{
    using var stream = File.OpenRead(path);
    return KeylessModel.Load(stream);
}

static List<LabelledText> SplitHoldOut(List<LabelledText> rows, Func<string, string?> map, TrainingOptions options, int seedOffset)
{
    var mapped = rows.Select(r => map(r.Label) is { } label ? r with { Label = label } : null).OfType<LabelledText>().ToList();
    return LinearModelTrainer.Split(mapped, options.HoldOut, options.Seed + seedOffset).HoldOut;
}

internal sealed class Arguments
{
    private readonly Dictionary<string, string> _values = [];

    public string Command { get; private set; } = string.Empty;

    public static Arguments Parse(string[] args)
    {
        var parsed = new Arguments { Command = args.Length > 0 ? args[0] : string.Empty };
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"expected an option at '{args[i]}'");
            }

            parsed._values[args[i][2..]] = args[i + 1];
        }

        return parsed;
    }

    public string? Optional(string name) => _values.GetValueOrDefault(name);

    public double? Number(string name) => Optional(name) is { } value ? double.Parse(value, CultureInfo.InvariantCulture) : null;

    public string Required(string name) => Optional(name) ?? throw new ArgumentException($"--{name} is required");

    public KeylessClassifierOptions ClassifierOptions()
    {
        var defaults = new KeylessClassifierOptions();
        return defaults with
        {
            ModelSentimentWeight = Number("model-sentiment-weight") ?? defaults.ModelSentimentWeight,
            RuleSentimentWeight = Number("rule-sentiment-weight") ?? defaults.RuleSentimentWeight,
            ModelCategoryWeight = Number("model-category-weight") ?? defaults.ModelCategoryWeight,
            MinCategoryScore = Number("min-category-score") ?? defaults.MinCategoryScore,
            OffTargetWeight = Number("off-target-weight") ?? defaults.OffTargetWeight,
        };
    }

    public TrainingOptions Options()
    {
        var defaults = new TrainingOptions();
        return defaults with
        {
            Seed = Optional("seed") is { } seed ? int.Parse(seed, CultureInfo.InvariantCulture) : defaults.Seed,
            Epochs = Optional("epochs") is { } epochs ? int.Parse(epochs, CultureInfo.InvariantCulture) : defaults.Epochs,
            HoldOut = Number("holdout") ?? defaults.HoldOut,
            LearningRate = Number("learning-rate") ?? defaults.LearningRate,
            L2 = Number("l2") ?? defaults.L2,
            ClassBalancePower = Number("class-balance") ?? defaults.ClassBalancePower,
        };
    }
}
