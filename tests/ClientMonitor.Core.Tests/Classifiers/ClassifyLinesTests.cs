using System.Text;
using System.Text.Json;
using ClientMonitor.Core.Classifiers;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Providers;

namespace ClientMonitor.Core.Tests.Classifiers;

public sealed class ClassifyLinesTests
{
    private static readonly TimeProvider Clock = new FixedClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Run_ValidLines_WritesOneResultPerLineInTheCliFormat()
    {
        var (exit, output, error) = await RunAsync("{\"id\":1,\"text\":\"Contoso to cut 300 jobs\"}\r\n{\"id\":\"b\",\"text\":\"Contoso partners with Initech\"}\n");

        Assert.Equal(ClassifyLines.Ok, exit);
        Assert.Empty(error);
        Assert.Equal(2, output.Count);
        Assert.Equal(["id", "category", "relevance", "sentiment", "risk"], output[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, output[0].GetProperty("id").GetInt32());
        Assert.Equal("layoffs", output[0].GetProperty("category").GetString());
        Assert.Equal("b", output[1].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Run_LineWithoutId_IsReportedAndTheNextLinesStillRun()
    {
        var (exit, output, error) = await RunAsync("{\"text\":\"no id here\"}\n{\"id\":2,\"text\":\"Contoso opens a plant\"}\n");

        Assert.Equal(ClassifyLines.SomeInvalid, exit);
        Assert.Contains("line 1: needs an \"id\"", error, StringComparison.Ordinal);
        Assert.Equal(2, Assert.Single(output).GetProperty("id").GetInt32());
    }

    [Theory]
    [InlineData("{\"id\":1,\"text\":42}", "line 1: needs a \"text\" string")]
    [InlineData("{\"id\":1}", "line 1: needs a \"text\" string")]
    [InlineData("[1,2]", "line 1: needs a \"text\" string")]
    [InlineData("not json", "line 1: not a JSON object")]
    [InlineData("{\"id\":{},\"text\":\"x\"}", "line 1: needs an \"id\"")]
    [InlineData("{\"id\":1,\"text\":\"x\",\"company\":5}", "line 1: \"company\" must be a string")]
    public async Task Run_InvalidLine_GetsAClearErrorNamingIt(string line, string expected)
    {
        var (exit, output, error) = await RunAsync(line + "\n{\"id\":9,\"text\":\"ok\"}\n");

        Assert.Equal(ClassifyLines.SomeInvalid, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Single(output);
    }

    [Fact]
    public async Task Run_ByteOrderMark_IsSkippedWithANoteAndLineOneIsClassified()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("{\"id\":1,\"text\":\"Contoso raises $40 million\"}\n")).ToArray();

        var (exit, output, error) = await RunAsync(bytes);

        Assert.Equal(ClassifyLines.Ok, exit);
        Assert.Single(output);
        Assert.Contains("line 1: note: skipped a UTF-8 byte order mark", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_InvalidUtf8_IsReportedWithItsLineNumber()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"id\":1,\"text\":\"fine\"}\n{\"id\":2,\"text\":\"bad ")
            .Concat(new byte[] { 0xC3, 0x28 })
            .Concat(Encoding.UTF8.GetBytes("\"}\n{\"id\":3,\"text\":\"fine\"}"))
            .ToArray();

        var (exit, output, error) = await RunAsync(bytes);

        Assert.Equal(ClassifyLines.SomeInvalid, exit);
        Assert.Contains("line 2: not valid UTF-8", error, StringComparison.Ordinal);
        Assert.Equal([1, 3], output.Select(o => o.GetProperty("id").GetInt32()));
    }

    [Fact]
    public async Task Run_TextOver64KB_IsTruncatedWithANote()
    {
        var classifier = new RecordingClassifier();
        var text = new string('a', ClassifyLines.MaxTextChars + 10);

        var (exit, output, error) = await RunAsync("{\"id\":1,\"text\":\"" + text + "\"}\n", classifier);

        Assert.Equal(ClassifyLines.Ok, exit);
        Assert.Single(output);
        Assert.Equal(ClassifyLines.MaxTextChars, classifier.Titles.Single().Length);
        Assert.Contains("line 1: note: text truncated", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_CompanyOrClientField_IsTheTargetOfThatLineOnly()
    {
        var classifier = new RecordingClassifier();

        await RunAsync("{\"id\":1,\"text\":\"a\",\"company\":\"Fabrikam\"}\n{\"id\":2,\"text\":\"b\",\"client\":\"Tailspin\"}\n{\"id\":3,\"text\":\"c\"}\n", classifier);

        Assert.Equal(["Fabrikam", "Tailspin", "Contoso"], classifier.Clients);
    }

    [Fact]
    public async Task Run_TargetCompany_SteersTheSentiment()
    {
        const string Text = "Contoso shares jump while Fabrikam slides after losing the contract";

        var (_, output, _) = await RunAsync($"{{\"id\":1,\"text\":\"{Text}\",\"company\":\"Contoso\"}}\n{{\"id\":2,\"text\":\"{Text}\",\"company\":\"Fabrikam\"}}\n");

        Assert.True(output[0].GetProperty("sentiment").GetDouble() > 0);
        Assert.True(output[1].GetProperty("sentiment").GetDouble() < 0);
    }

    [Fact]
    public async Task Run_ClassifierThrows_ExitsWithTheCrashCodeAfterTheOtherLines()
    {
        var classifier = new RecordingClassifier { FailOn = "boom" };

        var (exit, output, error) = await RunAsync("{\"id\":1,\"text\":\"boom\"}\n{\"id\":2,\"text\":\"fine\"}\n", classifier);

        Assert.Equal(ClassifyLines.Failed, exit);
        Assert.Contains("line 1: the classifier failed", error, StringComparison.Ordinal);
        Assert.Single(output);
    }

    [Fact]
    public async Task Run_TextReader_SkipsAByteOrderMarkToo()
    {
        using var input = new StringReader("\uFEFF{\"id\":1,\"text\":\"Contoso raises $40 million\"}\n");
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await new ClassifyLines(KeylessClassifier.Default, Clock, "Contoso").RunAsync(input, output, error, CancellationToken.None);

        Assert.Equal(ClassifyLines.Ok, exit);
        Assert.Single(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private static Task<(int Exit, List<JsonElement> Output, string Error)> RunAsync(string input, IEventClassifier? classifier = null)
        => RunAsync(Encoding.UTF8.GetBytes(input), classifier);

    private static async Task<(int Exit, List<JsonElement> Output, string Error)> RunAsync(byte[] input, IEventClassifier? classifier = null)
    {
        using var stream = new MemoryStream(input);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await new ClassifyLines(classifier ?? KeylessClassifier.Default, Clock, "Contoso").RunAsync(stream, output, error, CancellationToken.None);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        return (exit, lines, error.ToString());
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class RecordingClassifier : IEventClassifier
    {
        public List<string> Titles { get; } = [];

        public List<string> Clients { get; } = [];

        public string? FailOn { get; init; }

        public string Name => "recording";

        public Task<Classification> ClassifyAsync(ClassificationInput input, CancellationToken cancellationToken)
        {
            if (input.Title == FailOn)
            {
                throw new InvalidOperationException("failed on purpose");
            }

            Titles.Add(input.Title);
            Clients.Add(input.Client.Name);
            return Task.FromResult(new Classification(EventCategory.Other, 0.1, 0, RiskLevel.None, Name));
        }
    }
}
