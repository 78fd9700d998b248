namespace ClientMonitor.Core.Classifiers;

/// <summary>Precision, recall and F1 of one class.</summary>
public sealed record ClassMetrics(string Label, int Support, double Precision, double Recall, double F1);

/// <summary>Accuracy and macro-averaged F1 (over the classes present in the gold labels) of a set of predictions.</summary>
public sealed record ClassificationMetrics(int Count, double Accuracy, double MacroF1, IReadOnlyList<ClassMetrics> Classes)
{
    public static ClassificationMetrics Compute(IReadOnlyList<(string Gold, string Predicted)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var labels = pairs.Select(p => p.Gold).Distinct().Order(StringComparer.Ordinal).ToList();
        var classes = labels.Select(label =>
        {
            var truePositives = pairs.Count(p => p.Gold == label && p.Predicted == label);
            var predicted = pairs.Count(p => p.Predicted == label);
            var support = pairs.Count(p => p.Gold == label);
            var precision = predicted == 0 ? 0 : truePositives / (double)predicted;
            var recall = support == 0 ? 0 : truePositives / (double)support;
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            return new ClassMetrics(label, support, precision, recall, f1);
        }).ToList();
        var accuracy = pairs.Count == 0 ? 0 : pairs.Count(p => p.Gold == p.Predicted) / (double)pairs.Count;
        return new ClassificationMetrics(pairs.Count, accuracy, classes.Count == 0 ? 0 : classes.Average(c => c.F1), classes);
    }
}
