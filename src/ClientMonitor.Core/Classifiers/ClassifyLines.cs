using System.Text;
using System.Text.Json;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Providers;

namespace ClientMonitor.Core.Classifiers;

/// <summary>
/// The <c>classify</c> command's loop: JSON lines <c>{"id", "text", "company"?}</c> in (<c>client</c> is accepted
/// for <c>company</c>; it names the company the sentiment is about and the client relevance is scored for, else the
/// default client), <c>{"id","category","relevance","sentiment","risk"}</c> out, one per valid line, in order.
/// A line that is not valid UTF-8, not a JSON object, lacks a string or number <c>id</c> or a string <c>text</c>
/// gets one error line on the error writer naming its line number, and the next line is read. A UTF-8 byte order
/// mark at the start of a line is skipped with a note. Texts longer than <see cref="MaxTextChars"/> are truncated
/// to it (with a note); lines longer than <see cref="MaxLineBytes"/> are rejected unread.
/// Exit codes: <see cref="Ok"/>, <see cref="SomeInvalid"/>, <see cref="Failed"/> (the classifier threw; the
/// failing line is named and the rest are still read).
/// </summary>
public sealed class ClassifyLines(IEventClassifier classifier, TimeProvider time, string? defaultClient)
{
    public const int Ok = 0;
    public const int SomeInvalid = 1;
    public const int Failed = 2;

    /// <summary>64 KB of text (UTF-16 code units): enough for any article; longer texts are cut here.</summary>
    public const int MaxTextChars = 64 * 1024;

    /// <summary>16 MB: a line this long is not read into memory.</summary>
    public const int MaxLineBytes = 16 * 1024 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads raw bytes, so that invalid UTF-8 and byte order marks are seen and reported per line.</summary>
    public async Task<int> RunAsync(Stream input, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var state = new RunState(output, error);
        var reader = new ByteLineReader(input);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            state.LineNumber++;
            if (line.TooLong)
            {
                await state.InvalidAsync(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"longer than {MaxLineBytes:N0} bytes")).ConfigureAwait(false);
                continue;
            }

            var bytes = line.Bytes.AsMemory();
            if (bytes.Span.StartsWith(Encoding.UTF8.Preamble))
            {
                bytes = bytes[3..];
                await state.NoteAsync("skipped a UTF-8 byte order mark").ConfigureAwait(false);
            }

            string text;
            try
            {
                text = StrictUtf8.GetString(bytes.Span);
            }
            catch (DecoderFallbackException ex)
            {
                await state.InvalidAsync($"not valid UTF-8 (byte {ex.Index})").ConfigureAwait(false);
                continue;
            }

            await ProcessAsync(text, state, cancellationToken).ConfigureAwait(false);
        }

        return state.ExitCode;
    }

    /// <summary>For already-decoded input (tests, redirected readers); a leading U+FEFF is skipped with a note.</summary>
    public async Task<int> RunAsync(TextReader input, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var state = new RunState(output, error);
        while (await input.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            state.LineNumber++;
            if (line.StartsWith('\uFEFF'))
            {
                line = line[1..];
                await state.NoteAsync("skipped a UTF-8 byte order mark").ConfigureAwait(false);
            }

            await ProcessAsync(line, state, cancellationToken).ConfigureAwait(false);
        }

        return state.ExitCode;
    }

    private async Task ProcessAsync(string line, RunState state, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        JsonElement id;
        string text;
        string? company;
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("text", out var textElement) || textElement.ValueKind != JsonValueKind.String)
            {
                await state.InvalidAsync("needs a \"text\" string").ConfigureAwait(false);
                return;
            }

            if (!root.TryGetProperty("id", out var idElement) || idElement.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
            {
                await state.InvalidAsync("needs an \"id\" (a string or a number)").ConfigureAwait(false);
                return;
            }

            company = null;
            foreach (var name in (ReadOnlySpan<string>)["company", "client"])
            {
                if (root.TryGetProperty(name, out var companyElement) && companyElement.ValueKind != JsonValueKind.Null)
                {
                    if (companyElement.ValueKind != JsonValueKind.String)
                    {
                        await state.InvalidAsync($"\"{name}\" must be a string").ConfigureAwait(false);
                        return;
                    }

                    company ??= companyElement.GetString();
                }
            }

            id = idElement.Clone();
            text = textElement.GetString()!;
        }
        catch (JsonException ex)
        {
            await state.InvalidAsync($"not a JSON object ({ex.Message})").ConfigureAwait(false);
            return;
        }

        if (text.Length > MaxTextChars)
        {
            var cut = char.IsHighSurrogate(text[MaxTextChars - 1]) ? MaxTextChars - 1 : MaxTextChars;
            text = text[..cut];
            await state.NoteAsync(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"text truncated to its first {cut:N0} characters")).ConfigureAwait(false);
        }

        var now = time.GetUtcNow();
        var client = new Client("cli", "cli", company ?? defaultClient ?? string.Empty, null, null, [], [], null, null, true);
        Classification result;
        try
        {
            result = await classifier.ClassifyAsync(new ClassificationInput(text, null, "cli", null, now, client, now), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            state.Crashed = true;
            await state.Error.WriteLineAsync($"line {state.LineNumber}: the classifier failed ({ex.GetType().Name}: {ex.Message})").ConfigureAwait(false);
            return;
        }

        await state.Output.WriteLineAsync(WireJson.Serialize(new Result(id, result.Category, result.Relevance, result.Sentiment, result.Risk))).ConfigureAwait(false);
    }

    private sealed record Result(JsonElement Id, EventCategory Category, double Relevance, double Sentiment, RiskLevel Risk);

    private sealed class RunState(TextWriter output, TextWriter error)
    {
        public TextWriter Output { get; } = output ?? throw new ArgumentNullException(nameof(output));

        public TextWriter Error { get; } = error ?? throw new ArgumentNullException(nameof(error));

        public int LineNumber { get; set; }

        public bool Invalid { get; private set; }

        public bool Crashed { get; set; }

        public int ExitCode => Crashed ? Failed : Invalid ? SomeInvalid : Ok;

        public Task InvalidAsync(string problem)
        {
            Invalid = true;
            return Error.WriteLineAsync($"line {LineNumber}: {problem}");
        }

        public Task NoteAsync(string note) => Error.WriteLineAsync($"line {LineNumber}: note: {note}");
    }

    /// <summary>Splits a byte stream at '\n' (dropping a trailing '\r'); lines over <see cref="MaxLineBytes"/> are skipped, not buffered.</summary>
    private sealed class ByteLineReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;
        private bool _done;

        public async Task<(byte[] Bytes, bool TooLong)?> ReadLineAsync(CancellationToken cancellationToken)
        {
            using var line = new MemoryStream();
            var tooLong = false;
            while (true)
            {
                if (_start == _end)
                {
                    if (_done)
                    {
                        return line.Length == 0 && !tooLong ? null : (Trim(line), tooLong);
                    }

                    _start = 0;
                    _end = await stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
                    _done = _end == 0;
                    continue;
                }

                var span = _buffer.AsSpan(_start, _end - _start);
                var newline = span.IndexOf((byte)'\n');
                var take = newline < 0 ? span : span[..newline];
                if (!tooLong && line.Length + take.Length > MaxLineBytes)
                {
                    tooLong = true;
                    line.SetLength(0);
                }

                if (!tooLong)
                {
                    line.Write(take);
                }

                _start += newline < 0 ? span.Length : newline + 1;
                if (newline >= 0)
                {
                    return (Trim(line), tooLong);
                }
            }
        }

        private static byte[] Trim(MemoryStream line)
        {
            var bytes = line.ToArray();
            return bytes.Length > 0 && bytes[^1] == '\r' ? bytes[..^1] : bytes;
        }
    }
}
