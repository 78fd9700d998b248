using System.Globalization;
using System.Text;

namespace ClientMonitor.Infrastructure.Tables;

/// <summary>Key validation and OData literal formatting shared by the table client and its filters.</summary>
internal static class TableKeys
{
    // Keys are limited to 1 KiB; 512 UTF-16 characters is the safe bound.
    private const int MaxKeyLength = 512;

    public static void Validate(string key, string name)
    {
        ArgumentNullException.ThrowIfNull(key, name);
        if (key.Length > MaxKeyLength)
        {
            throw new ArgumentException($"{name} is longer than the Table service allows ({MaxKeyLength} characters).", name);
        }

        foreach (var c in key)
        {
            if (c is '/' or '\\' or '#' or '?' || char.IsControl(c))
            {
                throw new ArgumentException($"{name} contains a character the Table service forbids in keys ('{(char.IsControl(c) ? "control" : c.ToString())}').", name);
            }
        }
    }

    /// <summary>The URL segment addressing one entity: <c>(PartitionKey='a''b',RowKey='c')</c>, escaped.</summary>
    public static string EntityPath(string table, string partitionKey, string rowKey)
    {
        Validate(partitionKey, nameof(partitionKey));
        Validate(rowKey, nameof(rowKey));
        return $"{table}(PartitionKey='{Uri.EscapeDataString(Quote(partitionKey))}',RowKey='{Uri.EscapeDataString(Quote(rowKey))}')";
    }

    public static string Quote(string value) => value.Replace("'", "''", StringComparison.Ordinal);

    public static string FormatDateTime(DateTimeOffset value)
        => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static string FormatDouble(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        // An integral double must still read as a double, not an Int32, or the comparison changes type.
        return text.Contains('.', StringComparison.Ordinal) || text.Contains('E', StringComparison.Ordinal) ? text : text + ".0";
    }

    /// <summary>Formats one value as an OData literal so that it can never change the shape of a filter.</summary>
    public static string Literal(object? value) => value switch
    {
        null => "null",
        string s => $"'{Quote(s)}'",
        bool b => b ? "true" : "false",
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture) + "L",
        double d => FormatDouble(d),
        DateTimeOffset t => $"datetime'{FormatDateTime(t)}'",
        Guid g => $"guid'{g:D}'",
        Enum e => $"'{Quote(e.ToString())}'",
        byte[] bytes => $"X'{Convert.ToHexString(bytes)}'",
        _ => throw new NotSupportedException($"A {value.GetType().Name} cannot be used in a table filter."),
    };
}

/// <summary>Builds OData filters for table queries with every interpolated value escaped.</summary>
public static class TableFilter
{
    /// <summary>
    /// Formats <paramref name="filter"/>, turning each interpolated value into an OData literal:
    /// <c>TableFilter.Create($"PartitionKey eq {businessId} and Score gt {0.5}")</c>. A quote inside a string value
    /// is doubled, so a value cannot close its literal and widen the query.
    /// </summary>
    public static string Create(FormattableString filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var args = filter.GetArguments().Select(TableKeys.Literal).ToArray<object?>();
        var result = new StringBuilder();
        result.AppendFormat(CultureInfo.InvariantCulture, filter.Format, args);
        return result.ToString();
    }
}
