using System.Globalization;
using System.Xml.Linq;

namespace ClientMonitor.Application.Dashboard;

/// <summary>One bar of a chart: a label, and its value split into named parts (one part for a plain bar).</summary>
public sealed record ChartBar(string Label, IReadOnlyList<(string Series, double Value)> Parts)
{
    public double Total => Parts.Sum(p => p.Value);
}

/// <summary>
/// Bar charts rendered on the server as SVG: no script, no chart library in the browser, and every label escaped by
/// the XML writer. Each chart is an image with a title and a description that says its numbers in words, for screen
/// readers; each series has a colour and a legend entry, so colour is never the only cue (the bars are also labelled).
/// </summary>
public static class SvgCharts
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    // Colour-blind-safe (Okabe-Ito), all at least 3:1 against white.
    private static readonly string[] Palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#7A7A00", "#000000", "#8C564B", "#6A3D9A", "#B15928"];

    private const int Width = 720;
    private const int PlotTop = 40;
    private const int PlotHeight = 200;
    private const int Left = 48;
    private const int Right = 16;

    /// <summary>Vertical bars, stacked by series, one per label (a day, a run), with a legend when there is more than one series.</summary>
    public static string Bars(string title, string unit, IReadOnlyList<ChartBar> bars)
    {
        ArgumentNullException.ThrowIfNull(bars);
        var series = bars.SelectMany(b => b.Parts.Select(p => p.Series)).Distinct(StringComparer.Ordinal).ToList();
        var max = Math.Max(1, bars.Count == 0 ? 0 : bars.Max(b => b.Total));
        var legendRows = series.Count > 1 ? (series.Count + 3) / 4 : 0;
        var height = PlotTop + PlotHeight + 40 + (legendRows * 18);
        var slot = (Width - Left - Right) / (double)Math.Max(1, bars.Count);
        var barWidth = Math.Max(2, slot * 0.7);
        var labelEvery = Math.Max(1, (int)Math.Ceiling(bars.Count / 12.0));

        var content = new List<XElement> { Text(Left, 22, title, "start", 15, bold: true) };
        content.AddRange(Axis(max, unit));
        for (var i = 0; i < bars.Count; i++)
        {
            var bar = bars[i];
            var x = Left + (i * slot) + ((slot - barWidth) / 2);
            var y = (double)(PlotTop + PlotHeight);
            foreach (var (name, value) in bar.Parts.Where(p => p.Value > 0))
            {
                var h = value / max * PlotHeight;
                y -= h;
                content.Add(new XElement(
                    Svg + "rect",
                    new XAttribute("x", N(x)), new XAttribute("y", N(y)), new XAttribute("width", N(barWidth)), new XAttribute("height", N(h)),
                    new XAttribute("fill", Palette[series.IndexOf(name) % Palette.Length]),
                    new XElement(Svg + "title", $"{bar.Label}: {name} {Format(value)} {unit}")));
            }

            if (i % labelEvery == 0)
            {
                content.Add(Text(x + (barWidth / 2), PlotTop + PlotHeight + 16, bar.Label, "middle", 11));
            }
        }

        for (var s = 0; s < legendRows * 4 && s < series.Count; s++)
        {
            var lx = Left + ((s % 4) * 165);
            var ly = PlotTop + PlotHeight + 36 + ((s / 4) * 18);
            content.Add(new XElement(Svg + "rect", new XAttribute("x", lx), new XAttribute("y", ly - 10), new XAttribute("width", 12), new XAttribute("height", 12), new XAttribute("fill", Palette[s % Palette.Length])));
            content.Add(Text(lx + 18, ly, series[s], "start", 12));
        }

        var description = bars.Count == 0
            ? "No data in this period."
            : string.Join("; ", bars.Where(b => b.Total > 0).Select(b => $"{b.Label}: {string.Join(", ", b.Parts.Where(p => p.Value > 0).Select(p => series.Count > 1 ? $"{p.Series} {Format(p.Value)}" : Format(p.Value)))}"));
        return Document(title, description.Length == 0 ? "All values are zero in this period." : description, height, content);
    }

    /// <summary>Horizontal bars from the widest down (sent, opened, clicked...), each with its count and its share of the first.</summary>
    public static string Funnel(string title, IReadOnlyList<(string Stage, int Count)> stages)
    {
        ArgumentNullException.ThrowIfNull(stages);
        var first = Math.Max(1, stages.Count == 0 ? 0 : stages[0].Count);
        var content = new List<XElement> { Text(Left, 22, title, "start", 15, bold: true) };
        const int labelWidth = 110;
        var plotWidth = Width - Left - Right - labelWidth - 90;
        for (var i = 0; i < stages.Count; i++)
        {
            var (stage, count) = stages[i];
            var y = PlotTop + (i * 34);
            var w = Math.Max(count > 0 ? 2 : 0, count / (double)first * plotWidth);
            content.Add(Text(Left, y + 17, stage, "start", 13));
            content.Add(new XElement(
                Svg + "rect",
                new XAttribute("x", Left + labelWidth), new XAttribute("y", y + 4), new XAttribute("width", N(w)), new XAttribute("height", 20),
                new XAttribute("fill", Palette[i % Palette.Length])));
            content.Add(Text(Left + labelWidth + w + 8, y + 19, $"{count} ({Percent(count, first)})", "start", 12));
        }

        var description = string.Join("; ", stages.Select(s => $"{s.Stage} {s.Count} ({Percent(s.Count, first)})"));
        return Document(title, stages.Count == 0 ? "No data." : description, PlotTop + (stages.Count * 34) + 16, content);
    }

    private static IEnumerable<XElement> Axis(double max, string unit)
    {
        for (var step = 0; step <= 4; step++)
        {
            var value = max * step / 4;
            var y = PlotTop + PlotHeight - (PlotHeight * step / 4.0);
            yield return new XElement(Svg + "line", new XAttribute("x1", Left), new XAttribute("x2", Width - Right), new XAttribute("y1", N(y)), new XAttribute("y2", N(y)), new XAttribute("stroke", step == 0 ? "#333" : "#ddd"));
            yield return Text(Left - 6, y + 4, Format(value), "end", 11);
        }

        yield return Text(Left - 6, PlotTop - 8, unit, "end", 11);
    }

    private static string Document(string title, string description, int height, IEnumerable<XElement> content)
    {
        var id = "c" + ((uint)StringComparer.Ordinal.GetHashCode(title)).ToString(CultureInfo.InvariantCulture);
        var svg = new XElement(
            Svg + "svg",
            new XAttribute("viewBox", $"0 0 {Width} {height}"),
            new XAttribute("width", "100%"),
            new XAttribute("role", "img"),
            new XAttribute("aria-labelledby", $"{id}-title {id}-desc"),
            new XAttribute("font-family", "system-ui, sans-serif"),
            new XElement(Svg + "title", new XAttribute("id", $"{id}-title"), title),
            new XElement(Svg + "desc", new XAttribute("id", $"{id}-desc"), description),
            content);
        return svg.ToString(SaveOptions.DisableFormatting);
    }

    private static XElement Text(double x, double y, string text, string anchor, int size, bool bold = false) => new(
        Svg + "text",
        new XAttribute("x", N(x)), new XAttribute("y", N(y)), new XAttribute("text-anchor", anchor), new XAttribute("font-size", size),
        new XAttribute("fill", "#1a1a1a"),
        bold ? new XAttribute("font-weight", "600") : null,
        text);

    private static string N(double value) => Math.Round(value, 1).ToString(CultureInfo.InvariantCulture);

    private static string Format(double value) => value >= 100 || value == Math.Floor(value)
        ? Math.Round(value).ToString(CultureInfo.InvariantCulture)
        : Math.Round(value, 1).ToString(CultureInfo.InvariantCulture);

    private static string Percent(int count, int of) => (count * 100.0 / of).ToString("0", CultureInfo.InvariantCulture) + "%";
}
