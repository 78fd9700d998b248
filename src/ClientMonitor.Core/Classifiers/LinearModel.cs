namespace ClientMonitor.Core.Classifiers;

/// <summary>
/// Multinomial logistic regression over hashed features: one weight per (feature bucket, class) and a bias per
/// class. A text's features are bucket indices (<see cref="KeylessFeatures"/>), each worth 1/sqrt(count), so long
/// texts do not saturate. Weights are stored quantised to 8 bits with one scale per model; buckets whose weights
/// all round to zero are not stored.
/// </summary>
public sealed class LinearModel
{
    private const int MaxBits = 24;
    private readonly float[] _weights;
    private readonly float[] _bias;
    private readonly sbyte[] _quantised;

    private LinearModel(string name, int bits, string[] labels, float scale, float[] bias, sbyte[] quantised)
    {
        Name = name;
        Bits = bits;
        Labels = labels;
        Scale = scale;
        _bias = bias;
        _quantised = quantised;
        _weights = new float[quantised.Length];
        for (var i = 0; i < quantised.Length; i++)
        {
            _weights[i] = quantised[i] * scale;
        }
    }

    public string Name { get; }

    /// <summary>log2 of the number of feature buckets.</summary>
    public int Bits { get; }

    public IReadOnlyList<string> Labels { get; }

    public float Scale { get; }

    /// <summary>Quantises trained weights (bucket-major: <c>weights[bucket * classes + class]</c>).</summary>
    public static LinearModel FromWeights(string name, int bits, IReadOnlyList<string> labels, ReadOnlySpan<double> weights, ReadOnlySpan<double> bias)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (bits is < 1 or > MaxBits || weights.Length != (1 << bits) * labels.Count || bias.Length != labels.Count)
        {
            throw new ArgumentException("weights must hold 2^bits x classes values and bias one per class");
        }

        var max = 0.0;
        foreach (var w in weights)
        {
            max = Math.Max(max, Math.Abs(w));
        }

        var scale = max == 0 ? 1f : (float)(max / 127);
        var quantised = new sbyte[weights.Length];
        for (var i = 0; i < weights.Length; i++)
        {
            quantised[i] = (sbyte)Math.Clamp(Math.Round(weights[i] / scale, MidpointRounding.ToEven), -127, 127);
        }

        var floatBias = new float[bias.Length];
        for (var k = 0; k < bias.Length; k++)
        {
            floatBias[k] = (float)bias[k];
        }

        return new LinearModel(name, bits, [.. labels], scale, floatBias, quantised);
    }

    /// <summary>Class probabilities (softmax) for the features, in <see cref="Labels"/> order.</summary>
    public void Probabilities(ReadOnlySpan<int> features, Span<double> probabilities)
    {
        var classes = Labels.Count;
        if (probabilities.Length < classes)
        {
            throw new ArgumentException("needs one slot per class", nameof(probabilities));
        }

        probabilities[..classes].Clear();
        foreach (var bucket in features)
        {
            var row = _weights.AsSpan(bucket * classes, classes);
            for (var k = 0; k < classes; k++)
            {
                probabilities[k] += row[k];
            }
        }

        var scale = features.Length == 0 ? 0 : 1 / Math.Sqrt(features.Length);
        var max = double.NegativeInfinity;
        for (var k = 0; k < classes; k++)
        {
            probabilities[k] = (probabilities[k] * scale) + _bias[k];
            max = Math.Max(max, probabilities[k]);
        }

        var total = 0.0;
        for (var k = 0; k < classes; k++)
        {
            probabilities[k] = Math.Exp(probabilities[k] - max);
            total += probabilities[k];
        }

        for (var k = 0; k < classes; k++)
        {
            probabilities[k] /= total;
        }
    }

    public int IndexOf(string label)
    {
        for (var k = 0; k < Labels.Count; k++)
        {
            if (Labels[k] == label)
            {
                return k;
            }
        }

        return -1;
    }

    /// <summary>Name, bits, labels, scale, biases, then each non-zero bucket as a varint gap and its int8 weights.</summary>
    public void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var classes = Labels.Count;
        writer.Write(Name);
        writer.Write(Bits);
        writer.Write(classes);
        foreach (var label in Labels)
        {
            writer.Write(label);
        }

        writer.Write(Scale);
        foreach (var b in _bias)
        {
            writer.Write(b);
        }

        var buckets = 1 << Bits;
        var stored = 0;
        for (var bucket = 0; bucket < buckets; bucket++)
        {
            stored += IsZero(bucket) ? 0 : 1;
        }

        writer.Write(stored);
        var previous = -1;
        for (var bucket = 0; bucket < buckets; bucket++)
        {
            if (IsZero(bucket))
            {
                continue;
            }

            writer.Write7BitEncodedInt(bucket - previous);
            previous = bucket;
            for (var k = 0; k < classes; k++)
            {
                writer.Write(_quantised[(bucket * classes) + k]);
            }
        }
    }

    public static LinearModel Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var name = reader.ReadString();
        var bits = reader.ReadInt32();
        var classes = reader.ReadInt32();
        if (bits is < 1 or > MaxBits || classes is < 2 or > 64)
        {
            throw new InvalidDataException($"model {name}: {bits} bits and {classes} classes are out of range");
        }

        var labels = new string[classes];
        for (var k = 0; k < classes; k++)
        {
            labels[k] = reader.ReadString();
        }

        var scale = reader.ReadSingle();
        var bias = new float[classes];
        for (var k = 0; k < classes; k++)
        {
            bias[k] = reader.ReadSingle();
        }

        var quantised = new sbyte[(1 << bits) * classes];
        var stored = reader.ReadInt32();
        var bucket = -1;
        for (var i = 0; i < stored; i++)
        {
            bucket += reader.Read7BitEncodedInt();
            if (bucket < 0 || bucket >= 1 << bits)
            {
                throw new InvalidDataException($"model {name}: bucket {bucket} is out of range");
            }

            for (var k = 0; k < classes; k++)
            {
                quantised[(bucket * classes) + k] = reader.ReadSByte();
            }
        }

        return new LinearModel(name, bits, labels, scale, bias, quantised);
    }

    private bool IsZero(int bucket) => _quantised.AsSpan(bucket * Labels.Count, Labels.Count).IndexOfAnyExcept((sbyte)0) < 0;
}
