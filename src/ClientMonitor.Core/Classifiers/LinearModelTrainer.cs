namespace ClientMonitor.Core.Classifiers;

/// <summary>Settings of <see cref="LinearModelTrainer"/>; the defaults are the ones the committed model was trained with.</summary>
public sealed record TrainingOptions
{
    public int Seed { get; init; } = 20251202;

    public int Bits { get; init; } = 18;

    public int Epochs { get; init; } = 12;

    /// <summary>AdaGrad step size.</summary>
    public double LearningRate { get; init; } = 0.5;

    /// <summary>L2 penalty per update on the weights an example touches.</summary>
    public double L2 { get; init; } = 1e-5;

    /// <summary>Weigh each example by (n / classes / n_class)^power, so that small classes count (0 = no balancing).</summary>
    public double ClassBalancePower { get; init; }

    /// <summary>Share of the data held out for evaluation (picked with the seed before training).</summary>
    public double HoldOut { get; init; } = 0.2;
}

/// <summary>One training example: its feature buckets and its class index.</summary>
public sealed record TrainingExample(int[] Features, int Label);

/// <summary>
/// Trains a <see cref="LinearModel"/> with per-example AdaGrad on the softmax loss: single-threaded, examples
/// visited in an order drawn from <see cref="TrainingOptions.Seed"/> each epoch, so the same data and options give
/// the same bytes.
/// </summary>
public static class LinearModelTrainer
{
    public static LinearModel Train(string name, IReadOnlyList<string> labels, IReadOnlyList<TrainingExample> examples, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(options);
        var classes = labels.Count;
        var weights = new double[(1 << options.Bits) * classes];
        var squares = new double[weights.Length];
        var bias = new double[classes];
        var biasSquares = new double[classes];
        var classWeight = ClassWeights(examples, classes, options.ClassBalancePower);
        var random = new SplitMix(options.Seed);
        var order = Enumerable.Range(0, examples.Count).ToArray();
        var scores = new double[classes];
        for (var epoch = 0; epoch < options.Epochs; epoch++)
        {
            random.Shuffle(order);
            foreach (var index in order)
            {
                var example = examples[index];
                var features = example.Features;
                var scale = features.Length == 0 ? 0 : 1 / Math.Sqrt(features.Length);
                Array.Clear(scores);
                foreach (var bucket in features)
                {
                    for (var k = 0; k < classes; k++)
                    {
                        scores[k] += weights[(bucket * classes) + k];
                    }
                }

                Softmax(scores, bias, scale);
                var weight = classWeight[example.Label];
                for (var k = 0; k < classes; k++)
                {
                    var gradient = (scores[k] - (k == example.Label ? 1 : 0)) * weight;
                    biasSquares[k] += gradient * gradient;
                    bias[k] -= options.LearningRate * gradient / (Math.Sqrt(biasSquares[k]) + 1e-8);
                    foreach (var bucket in features)
                    {
                        var at = (bucket * classes) + k;
                        var g = (gradient * scale) + (options.L2 * weights[at]);
                        squares[at] += g * g;
                        weights[at] -= options.LearningRate * g / (Math.Sqrt(squares[at]) + 1e-8);
                    }
                }
            }
        }

        return LinearModel.FromWeights(name, options.Bits, labels, weights, bias);
    }

    /// <summary>Seeded split: each example goes to the held-out part with probability <paramref name="share"/>.</summary>
    public static (List<T> Train, List<T> HoldOut) Split<T>(IReadOnlyList<T> rows, double share, int seed)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var random = new SplitMix(seed ^ 0x5EED);
        var train = new List<T>();
        var holdOut = new List<T>();
        foreach (var row in rows)
        {
            (random.NextDouble() < share ? holdOut : train).Add(row);
        }

        return (train, holdOut);
    }

    private static void Softmax(double[] scores, double[] bias, double scale)
    {
        var max = double.NegativeInfinity;
        for (var k = 0; k < scores.Length; k++)
        {
            scores[k] = (scores[k] * scale) + bias[k];
            max = Math.Max(max, scores[k]);
        }

        var total = 0.0;
        for (var k = 0; k < scores.Length; k++)
        {
            scores[k] = Math.Exp(scores[k] - max);
            total += scores[k];
        }

        for (var k = 0; k < scores.Length; k++)
        {
            scores[k] /= total;
        }
    }

    private static double[] ClassWeights(IReadOnlyList<TrainingExample> examples, int classes, double power)
    {
        var counts = new int[classes];
        foreach (var example in examples)
        {
            counts[example.Label]++;
        }

        return [.. counts.Select(c => c == 0 ? 0 : Math.Pow(examples.Count / (double)classes / c, power))];
    }

    /// <summary>SplitMix64: a tiny generator whose sequence is fixed by its seed on every runtime.</summary>
    private sealed class SplitMix(long seed)
    {
        private ulong _state = unchecked((ulong)seed);

        public ulong Next()
        {
            var z = _state += 0x9E3779B97F4A7C15;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            return z ^ (z >> 31);
        }

        public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

        public void Shuffle(int[] items)
        {
            for (var i = items.Length - 1; i > 0; i--)
            {
                var j = (int)(Next() % (ulong)(i + 1));
                (items[i], items[j]) = (items[j], items[i]);
            }
        }
    }
}
