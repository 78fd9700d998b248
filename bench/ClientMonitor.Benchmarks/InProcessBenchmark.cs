using System.Diagnostics;
using System.Text;
using ClientMonitor.Core.Classifiers;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Providers;
using ClientMonitor.Infrastructure.Notifications;

namespace ClientMonitor.Benchmarks;

/// <summary>
/// The parts of a run that touch no storage, measured in this process: the keyless classifier's items per second
/// (one thread, realistic headlines and snippets) and the file sink's emails per second (MIME message built, the
/// <c>.eml</c> and <c>.html</c> written, 4 at a time, no sending limits).
/// </summary>
internal static class InProcessBenchmark
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    private static readonly (string Title, string Snippet)[] Items =
    [
        ("Contoso raises $40M Series C led by Northwind Ventures", "The round values the company at $600M; Contoso plans to double its sales team in Europe."),
        ("Fabrikam to cut 8% of its workforce as demand slows", "The manufacturer said the layoffs affect about 300 roles, mostly in its logistics unit."),
        ("Litware names former Tailspin executive as chief financial officer", "Jane Doe joins from Tailspin Toys, where she led finance for six years."),
        ("Woodgrove Bank fined over data breach affecting 2 million customers", "Regulators said the bank failed to patch a known vulnerability for months."),
        ("Relecloud launches AI assistant for field technicians", "The product, available in preview, answers repair questions from service manuals."),
        ("Lamna Healthcare acquires regional clinic chain for $120M", "The deal adds 14 clinics and is expected to close in the first quarter."),
        ("Northwind Traders reports record quarterly revenue, raises guidance", "Revenue grew 23% year over year while margins held steady."),
        ("Tailspin Toys recalls 50,000 drones over battery fire risk", "The company urged customers to stop using the affected models immediately."),
        ("Adatum opens new headquarters in Austin", "The move brings 400 jobs to the city over the next two years."),
        ("Proseware partners with Contoso on cloud migration services", "The partnership combines Proseware's consultants with Contoso's platform."),
    ];

    public static async Task RunAsync(bool quick, BenchResults results)
    {
        results.Set("classifier_items_per_s", ClassifierItemsPerSecond(quick));
        results.Set("emails_per_s", await FileSinkEmailsPerSecond(quick ? 500 : 5_000));
        results.Note("emails_per_s: the file sink alone (MIME build, .eml and .html written to a temporary folder, 4 at a time, no sending limits); a delivery also reads and writes its email log, which the pipeline's storage requests count");
    }

    private static double ClassifierItemsPerSecond(bool quick)
    {
        var client = new Client("contoso", "bench", "Contoso", "contoso.example", "software", ["Contoso Cloud"], [], null, null, true);
        var inputs = Items.Select(i => new ClassificationInput(i.Title, i.Snippet, "newsapi", "Example News", Now, client, Now)).ToArray();
        var classifier = KeylessClassifier.Default;
        foreach (var input in inputs)
        {
            classifier.Classify(input); // warm-up: the embedded model loads, JIT
        }

        var budget = TimeSpan.FromSeconds(quick ? 3 : 15);
        var watch = Stopwatch.StartNew();
        var done = 0;
        while (watch.Elapsed < budget)
        {
            classifier.Classify(inputs[done % inputs.Length]);
            done++;
        }

        return BenchResults.Round(done / watch.Elapsed.TotalSeconds);
    }

    private static async Task<double> FileSinkEmailsPerSecond(int count)
    {
        var directory = Directory.CreateTempSubdirectory("cm-bench-mail");
        try
        {
            var sender = new FileEmailSender(new EmailOptions { FileDirectory = directory.FullName }, TimeProvider.System);
            var html = new StringBuilder("<html><body><h1>Contoso raises $40M Series C</h1>");
            for (var i = 0; i < 40; i++)
            {
                html.Append("<p>Relevance 0.82 &middot; Funding &middot; <a href=\"https://news.example/item\">Read the article</a></p>");
            }

            var body = html.Append("</body></html>").ToString();
            OutgoingEmail Email(int i) => new($"bench-{i:D6}", "amy@bench.example", "Amy", $"Contoso: event {i}", body, "Contoso raises $40M Series C");
            await sender.SendAsync(Email(-1), CancellationToken.None); // warm-up
            var watch = Stopwatch.StartNew();
            await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, ct) =>
            {
                var result = await sender.SendAsync(Email(i), ct);
                if (result.Outcome != DeliveryOutcome.Delivered)
                {
                    throw new InvalidOperationException($"the file sink answered {result.Outcome}");
                }
            });
            return BenchResults.Round(count / watch.Elapsed.TotalSeconds);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
