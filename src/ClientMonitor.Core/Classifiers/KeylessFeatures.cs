namespace ClientMonitor.Core.Classifiers;

/// <summary>
/// The features the keyless models read, as bucket indices (a feature's 64-bit hash, mixed, top <c>bits</c> bits).
/// Sentiment: word unigrams (marked when negated: a negator among the three words before, same clause), word
/// bigrams within a sentence, and one feature per positive or negative reading of <see cref="SentimentRules"/>.
/// Category: word unigrams and bigrams within a sentence.
/// </summary>
public static class KeylessFeatures
{
    private static readonly ulong NegatedSalt = TextTokens.Hash("<neg>");
    private static readonly ulong RulePositive = TextTokens.Hash("<rule+>");
    private static readonly ulong RuleNegative = TextTokens.Hash("<rule->");
    private static readonly ulong CategorySalt = TextTokens.Hash("<category>");
    private static readonly HashSet<ulong> Negators = [.. "not no never without nor cannot can't didn't doesn't don't won't isn't aren't wasn't weren't hasn't haven't".Split(' ').Select(TextTokens.Hash)];

    /// <summary>Sentiment features of <paramref name="tokens"/>, appended to <paramref name="features"/>.</summary>
    public static void Sentiment(IReadOnlyList<Token> tokens, SentimentRules.Reading reading, int bits, List<int> features)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(features);
        var lastNegator = int.MinValue;
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            var negated = lastNegator >= i - 3 && tokens[lastNegator].Clause == token.Clause;
            features.Add(Bucket(negated ? TextTokens.Combine(NegatedSalt, token.Hash) : token.Hash, bits));
            if (i > 0 && tokens[i - 1].Sentence == token.Sentence)
            {
                features.Add(Bucket(TextTokens.Combine(tokens[i - 1].Hash, token.Hash), bits));
            }

            if (Negators.Contains(token.Hash))
            {
                lastNegator = i;
            }
        }

        for (var i = 0; i < reading.Positive; i++)
        {
            features.Add(Bucket(RulePositive, bits));
        }

        for (var i = 0; i < reading.Negative; i++)
        {
            features.Add(Bucket(RuleNegative, bits));
        }
    }

    /// <summary>Category features of <paramref name="tokens"/>, appended to <paramref name="features"/>.</summary>
    public static void Category(IReadOnlyList<Token> tokens, int bits, List<int> features)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(features);
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            features.Add(Bucket(TextTokens.Combine(CategorySalt, token.Hash), bits));
            if (i > 0 && tokens[i - 1].Sentence == token.Sentence)
            {
                features.Add(Bucket(TextTokens.Combine(tokens[i - 1].Hash, token.Hash), bits));
            }
        }
    }

    private static int Bucket(ulong hash, int bits)
    {
        hash ^= hash >> 33;
        hash *= 0xFF51AFD7ED558CCD;
        hash ^= hash >> 33;
        return (int)(hash >> (64 - bits));
    }
}
