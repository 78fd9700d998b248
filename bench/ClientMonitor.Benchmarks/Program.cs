using ClientMonitor.Testing;
using ClientMonitor.Benchmarks;

// Usage: dotnet run --project bench/ClientMonitor.Benchmarks -c Release -- storage [--rows N] [--output FILE]
//        dotnet bench/ClientMonitor.Benchmarks/bin/Release/net10.0/ClientMonitor.Benchmarks.dll suite [--quick] [--results DIR]
//        (scripts/bench.sh builds everything in Release and runs the suite)
var command = args.Length > 0 ? args[0] : "storage";
var rows = OptionValue("--rows") is { } r ? int.Parse(r, System.Globalization.CultureInfo.InvariantCulture) : 2_000;
var output = OptionValue("--output");

switch (command)
{
    case "storage":
        var report = await StorageBenchmark.RunAsync(rows, Console.Out);
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, report);
        }

        return 0;
    case "suite":
        await Suite.RunAsync(args.Contains("--quick"), OptionValue("--results") ?? Path.Combine(AppProcess.RepositoryRoot(), "bench", "results"), Console.Out);
        return 0;
    case "tick":
        // Not in the usage: the scheduler tick alone, on its own Azurite, for working on that benchmark.
        await using (var azurite = await Azurite.StartPrivateAsync())
        {
            var tick = new BenchResults(Console.Out);
            var (tickRows, tickSchedules) = await TickBenchmark.RunAsync(azurite, args.Contains("--quick"), tick);
            tick.Compare("tick_rows_read", tickRows, "tick_schedules_seeded", tickSchedules);
            var directory = OptionValue("--results") ?? Path.Combine(Path.GetTempPath(), "clientmonitor-tick");
            await tick.WriteAsync(directory, "tick", TimeProvider.System.GetUtcNow());
            Console.WriteLine(await File.ReadAllTextAsync(Path.Combine(directory, "latest.json")));
        }

        return 0;
    default:
        await Console.Error.WriteLineAsync($"Unknown benchmark '{command}'. Known: storage, suite.");
        return 2;
}

string? OptionValue(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
