using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClientMonitor.LocalHost;

/// <summary>One binding of a function as the Worker SDK writes it into <c>functions.metadata</c>.</summary>
public sealed record FunctionBinding(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("direction")] string Direction,
    [property: JsonPropertyName("route")] string? Route = null,
    [property: JsonPropertyName("methods")] IReadOnlyList<string>? Methods = null,
    [property: JsonPropertyName("schedule")] string? Schedule = null,
    [property: JsonPropertyName("queueName")] string? QueueName = null);

/// <summary>One function of <c>functions.metadata</c>: its name, its method (<c>Namespace.Class.Method</c>) and its bindings.</summary>
public sealed record FunctionMetadata(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("scriptFile")] string ScriptFile,
    [property: JsonPropertyName("entryPoint")] string EntryPoint,
    [property: JsonPropertyName("bindings")] IReadOnlyList<FunctionBinding> Bindings)
{
    /// <summary>The trigger binding (every function has exactly one).</summary>
    public FunctionBinding Trigger => Bindings.Single(b => b.Direction == "In" && b.Type.EndsWith("Trigger", StringComparison.Ordinal));
}

/// <summary>
/// The build's <c>functions.metadata</c>: the one list of the app's functions, written by the Worker SDK from the
/// <c>[Function]</c> attributes. The Functions host gets the same list from the worker; the local host reads it here.
/// </summary>
public static class FunctionsMetadata
{
    public const string FileName = "functions.metadata";

    /// <summary>The trigger types the local host serves; any other fails start-up rather than leaving a function unserved.</summary>
    public static readonly IReadOnlySet<string> ServedTriggers = new HashSet<string>(StringComparer.Ordinal)
    {
        "httpTrigger", "timerTrigger", "queueTrigger", "orchestrationTrigger", "activityTrigger",
    };

    public static IReadOnlyList<FunctionMetadata> Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{FileName} was not found in '{directory}': build ClientMonitor.Functions (the Worker SDK writes it).");
        }

        var functions = JsonSerializer.Deserialize<List<FunctionMetadata>>(File.ReadAllText(path))
            ?? throw new InvalidOperationException($"{path} is empty.");
        var unserved = functions.Where(f => !ServedTriggers.Contains(f.Trigger.Type)).Select(f => $"{f.Name} ({f.Trigger.Type})").ToList();
        return unserved.Count == 0
            ? functions
            : throw new InvalidOperationException("The local host cannot serve these functions' triggers: " + string.Join(", ", unserved));
    }
}
