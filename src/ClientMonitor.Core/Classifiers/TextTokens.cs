namespace ClientMonitor.Core.Classifiers;

/// <summary>One word of a text: its 64-bit hash (of the lower-cased word) and where it stands.</summary>
/// <param name="Hash">FNV-1a hash of the normalised word (<see cref="TextTokens.Hash(string)"/>).</param>
/// <param name="Start">Index of the first character in the text.</param>
/// <param name="Length">Characters in the text.</param>
/// <param name="Sentence">Sentence number: bigrams and rules never span a sentence (. ! ? ; : or a line break).</param>
/// <param name="Clause">Clause number: a negation reaches only to the end of its clause (a comma also ends one).</param>
public readonly record struct Token(ulong Hash, int Start, int Length, int Sentence, int Clause);

/// <summary>
/// A single left-to-right pass that turns text into <see cref="Token"/>s without allocating per word: words are
/// lower-cased and hashed, a trailing <c>'s</c> is dropped, hyphens split words ("third-quarter" is two words),
/// numbers become <c>&lt;num&gt;</c> (<c>&lt;pct&gt;</c> when a percent sign follows), money <c>&lt;money&gt;</c>,
/// cashtags <c>&lt;tic&gt;</c>; URLs and @handles are skipped. Time and memory are linear in the text's length.
/// </summary>
public static class TextTokens
{
    private const ulong FnvOffset = 14695981039346656037;
    private const ulong FnvPrime = 1099511628211;

    public static readonly ulong Number = Hash("<num>");
    public static readonly ulong Percent = Hash("<pct>");
    public static readonly ulong Money = Hash("<money>");
    public static readonly ulong Ticker = Hash("<tic>");

    /// <summary>The hash a word gets in <see cref="Tokenize"/> (lower-cased, FNV-1a 64 over UTF-16 code units).</summary>
    public static ulong Hash(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        var hash = FnvOffset;
        foreach (var c in word)
        {
            hash = Step(hash, char.ToLowerInvariant(c));
        }

        return hash;
    }

    /// <summary>A hash of an ordered pair (bigrams, salted features); not symmetric.</summary>
    public static ulong Combine(ulong first, ulong second)
    {
        var h = (first * 0x9E3779B97F4A7C15) ^ (second + 0x632BE59BD9B4E019 + (first << 6) + (first >> 2));
        h ^= h >> 31;
        h *= 0xBF58476D1CE4E5B9;
        return h ^ (h >> 29);
    }

    /// <summary>Appends the tokens of <paramref name="text"/> to <paramref name="tokens"/>.</summary>
    public static void Tokenize(ReadOnlySpan<char> text, List<Token> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var sentence = 0;
        var clause = 0;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsLetter(c))
            {
                if (StartsUrl(text, i))
                {
                    i = SkipToSpace(text, i);
                    continue;
                }

                var start = i;
                var hash = FnvOffset;
                var end = i;
                while (i < text.Length)
                {
                    var d = text[i];
                    if (char.IsLetterOrDigit(d))
                    {
                        hash = Step(hash, char.ToLowerInvariant(d));
                        i++;
                        end = i;
                    }
                    else if ((d is '\'' or '\u2019') && i + 1 < text.Length && char.IsLetter(text[i + 1]))
                    {
                        // "company's" is "company"; "didn't" keeps its apostrophe.
                        if ((text[i + 1] is 's' or 'S') && (i + 2 >= text.Length || !char.IsLetter(text[i + 2])))
                        {
                            i += 2;
                            break;
                        }

                        hash = Step(hash, '\'');
                        i++;
                    }
                    else
                    {
                        break;
                    }
                }

                tokens.Add(new Token(hash, start, end - start, sentence, clause));
            }
            else if (char.IsDigit(c))
            {
                var start = i;
                while (i < text.Length && (char.IsDigit(text[i]) || (text[i] is '.' or ',' && i + 1 < text.Length && char.IsDigit(text[i + 1]))))
                {
                    i++;
                }

                var percent = i < text.Length && text[i] == '%';
                if (percent)
                {
                    i++;
                }

                tokens.Add(new Token(percent ? Percent : Number, start, i - start, sentence, clause));
            }
            else if (c is '$' or '€' or '£' or '¥')
            {
                var start = i;
                i++;
                if (c == '$' && i < text.Length && char.IsLetter(text[i]))
                {
                    while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '.' or '_'))
                    {
                        i++;
                    }

                    tokens.Add(new Token(Ticker, start, i - start, sentence, clause));
                }
                else if (i < text.Length && char.IsDigit(text[i]))
                {
                    while (i < text.Length && (char.IsDigit(text[i]) || (text[i] is '.' or ',' && i + 1 < text.Length && char.IsDigit(text[i + 1]))))
                    {
                        i++;
                    }

                    tokens.Add(new Token(Money, start, i - start, sentence, clause));
                }
            }
            else if (c == '@' && i + 1 < text.Length && (char.IsLetterOrDigit(text[i + 1]) || text[i + 1] == '_'))
            {
                i = SkipToSpace(text, i);
            }
            else
            {
                if (c is '.' or '!' or '?' or ';' or ':' or '\n' or '\r' or '|' or '\u2014')
                {
                    // "U.S." and "3.5" do not end a sentence often enough to matter for bigrams.
                    if (tokens.Count > 0 && tokens[^1].Sentence == sentence)
                    {
                        sentence++;
                        clause++;
                    }
                }
                else if (c is ',' or '(' or ')' or '"' or '\u201C' or '\u201D' && tokens.Count > 0 && tokens[^1].Clause == clause)
                {
                    clause++;
                }

                i++;
            }
        }
    }

    private static ulong Step(ulong hash, char c) => (hash ^ c) * FnvPrime;

    private static bool StartsUrl(ReadOnlySpan<char> text, int i)
    {
        var rest = text[i..];
        return rest.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
            || rest.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
            || rest.StartsWith("www.", StringComparison.OrdinalIgnoreCase);
    }

    private static int SkipToSpace(ReadOnlySpan<char> text, int i)
    {
        while (i < text.Length && !char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        return i;
    }
}
