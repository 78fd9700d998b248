using ClientMonitor.Application.Triggers;
using System.Text.Json;
using ClientMonitor.Core.Operations;

namespace ClientMonitor.Functions.Hosting;

/// <summary>One function as its <c>function.json</c> declares it.</summary>
/// <remarks>For timers <c>Schedule</c> is the 6-field NCRONTAB (seconds first, UTC); for queues <c>QueueName</c> and
/// <c>DataType</c> (<c>binary</c>: the host sends the message base64-encoded) come from the trigger binding.</remarks>
public sealed record FunctionDefinition(string Name, TriggerKind Trigger, string BindingName, string? Schedule, string? QueueName, string? DataType);

/// <summary>
/// The functions of this app, read from the <c>&lt;Name&gt;/function.json</c> files of the app root: the same files
/// the Functions host reads, so that standalone mode runs exactly what the host would.
/// </summary>
public sealed class FunctionCatalog
{
    private readonly Dictionary<string, FunctionDefinition> _functions;

    public FunctionCatalog(IEnumerable<FunctionDefinition> functions)
        => _functions = functions.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<FunctionDefinition> All => _functions.Values;

    public FunctionDefinition? Find(string name) => _functions.GetValueOrDefault(name);

    /// <summary>
    /// Reads each <c>&lt;Name&gt;/function.json</c> directly below <paramref name="appRoot"/>, as the Functions host
    /// does; deeper copies (a publish's <c>linux-x64/</c> folder inside the build output) are not functions of this
    /// app. Throws naming the file at fault.
    /// </summary>
    public static FunctionCatalog Load(string appRoot)
    {
        var definitions = new List<FunctionDefinition>();
        foreach (var folder in Directory.EnumerateDirectories(appRoot).Order(StringComparer.Ordinal))
        {
            var file = Path.Combine(folder, "function.json");
            if (File.Exists(file))
            {
                definitions.Add(Parse(Path.GetFileName(folder), File.ReadAllText(file), file));
            }
        }

        if (definitions.Count == 0)
        {
            throw new InvalidOperationException($"No function.json files were found under '{appRoot}'.");
        }

        return new FunctionCatalog(definitions);
    }

    internal static FunctionDefinition Parse(string name, string json, string source)
    {
        using var document = JsonDocument.Parse(json);
        var triggers = document.RootElement.GetProperty("bindings").EnumerateArray()
            .Where(b => b.GetProperty("direction").GetString() == "in" && b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal))
            .ToList();
        if (triggers.Count != 1)
        {
            throw new InvalidOperationException($"{source} must have exactly one trigger binding; it has {triggers.Count}.");
        }

        var trigger = triggers[0];
        string? Text(string property) => trigger.TryGetProperty(property, out var value) ? value.GetString() : null;
        var kind = Text("type") switch
        {
            "httpTrigger" => TriggerKind.Http,
            "timerTrigger" => TriggerKind.Timer,
            "queueTrigger" => TriggerKind.Queue,
            var other => throw new InvalidOperationException($"{source} uses trigger '{other}', which this app does not run."),
        };
        var definition = new FunctionDefinition(name, kind, Text("name") ?? string.Empty, Text("schedule"), Text("queueName"), Text("dataType"));
        if (kind == TriggerKind.Timer && string.IsNullOrWhiteSpace(definition.Schedule))
        {
            throw new InvalidOperationException($"{source} has a timer trigger without a schedule.");
        }

        if (kind == TriggerKind.Queue && string.IsNullOrWhiteSpace(definition.QueueName))
        {
            throw new InvalidOperationException($"{source} has a queue trigger without a queueName.");
        }

        return definition;
    }
}
