using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ClientMonitor.Benchmarks;

/// <summary>
/// The figures of one suite run: <c>latest.json</c> (every key, <c>null</c> with a note when not measured) and a
/// dated Markdown table of each figure beside the reference measured in the same run, as a ratio.
/// </summary>
internal sealed class BenchResults(TextWriter log)
{
    private readonly JsonObject _root = new();
    private readonly List<string> _notes = [];
    private readonly List<string> _rows = [];

    public void Set(string key, JsonNode? value) => _root[key] = value;

    /// <summary>A key that could not be measured: <c>null</c>, and why.</summary>
    public void Missing(string key, string why)
    {
        _root[key] = null;
        Note($"{key}: {why}");
    }

    public void Note(string text)
    {
        _notes.Add(text);
        log.WriteLine("note: " + text);
    }

    /// <summary>Prints <paramref name="figure"/> beside <paramref name="reference"/> and their ratio.</summary>
    public void Compare(string figure, double? value, string reference, double? referenceValue)
    {
        var ratio = value is { } v && referenceValue is { } r && r != 0 ? F(v / r, "F3") : "n/a";
        var row = $"| {figure} | {F(value)} | {reference} | {F(referenceValue)} | {ratio} |";
        _rows.Add(row);
        log.WriteLine($"{figure} = {F(value)}   vs {reference} = {F(referenceValue)}   ratio {ratio}");
    }

    public async Task WriteAsync(string directory, string mode, DateTimeOffset at)
    {
        Directory.CreateDirectory(directory);
        _root["mode"] = mode;
        _root["measured_at"] = at.ToString("O", CultureInfo.InvariantCulture);
        _root["notes"] = new JsonArray(_notes.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray());
        var json = _root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        await File.WriteAllTextAsync(Path.Combine(directory, "latest.json"), json + "\n");

        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Benchmarks {at:yyyy-MM-dd HH:mm} UTC ({mode})");
        md.AppendLine();
        md.AppendLine("| figure | value | reference (same run) | reference value | ratio |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var row in _rows)
        {
            md.AppendLine(row);
        }

        md.AppendLine();
        md.AppendLine("## Notes");
        md.AppendLine();
        foreach (var note in _notes)
        {
            md.AppendLine("- " + note);
        }

        md.AppendLine();
        md.AppendLine("## latest.json");
        md.AppendLine();
        md.AppendLine("```json");
        md.AppendLine(json);
        md.AppendLine("```");
        await File.WriteAllTextAsync(Path.Combine(directory, $"{at:yyyy-MM-dd}.md"), md.ToString());
    }

    public static double Round(double value) => Math.Round(value, 2);

    private static string F(double? value, string format = "F2")
        => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "null";
}
