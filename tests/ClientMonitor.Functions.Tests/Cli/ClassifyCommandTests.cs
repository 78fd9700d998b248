using System.Text.Json;
using ClientMonitor.Application.Cli;

namespace ClientMonitor.Functions.Tests.Cli;

public sealed class ClassifyCommandTests
{
    [Fact]
    public async Task Classify_JsonLines_PrintsOneResultPerLine()
    {
        using var input = new StringReader("{\"id\":1,\"text\":\"Contoso to cut 300 jobs in restructuring\"}\n{\"id\":\"b\",\"text\":\"Contoso partners with Microsoft\"}\n");
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await CommandLine.RunAsync(["classify", "--client", "Contoso"], input, output, error);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(0, exit);
        Assert.Equal(2, lines.Count);
        Assert.Equal(1, lines[0].GetProperty("id").GetInt32());
        Assert.Equal("layoffs", lines[0].GetProperty("category").GetString());
        Assert.Equal("high", lines[0].GetProperty("risk").GetString());
        Assert.Equal("partnership", lines[1].GetProperty("category").GetString());
    }

    [Fact]
    public async Task Classify_BadLines_AreReportedWithTheirNumberAndExitNonZero()
    {
        using var input = new StringReader("not json\nnull\n{\"id\":3}\n{\"id\":4,\"text\":\"Contoso raises $40 million Series B\"}\n");
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await CommandLine.RunAsync(["classify"], input, output, error);

        Assert.Equal(1, exit);
        Assert.Single(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("line 1: not a JSON object", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("line 2: needs a \"text\" string", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("line 3: needs a \"text\" string", error.ToString(), StringComparison.Ordinal);
    }
}
