using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Azure.Data.Tables;
using ClientMonitor.Core.Pipeline;

namespace ClientMonitor.Infrastructure.Storage;

/// <summary>What one page read found: its rows, how many matched before it ended, and the last row key when more follow.</summary>
public sealed record TablePage<T>(IReadOnlyList<T> Rows, int Matched, string? AfterLast);

/// <summary>
/// Lists that cost a page: rows come in row-key order, so a list whose keys are its order reads the rows of one page
/// (plus one, to know whether more follow) and hands out the last key as the cursor of the next page.
/// </summary>
public static class TablePages
{
    /// <summary>
    /// Reads matches of <paramref name="filter"/> in key order: drops the first <paramref name="skip"/>, keeps
    /// <paramref name="limit"/> and stops at the one after. <c>AfterLast</c> is the key of the last row kept when
    /// another follows; <c>Matched</c> counts every match read (all of them when the list ended).
    /// </summary>
    public static async Task<TablePage<T>> ReadPageAsync<T>(this TableClient table, string filter, int skip, int limit, CancellationToken cancellationToken)
        where T : class, ITableEntity
    {
        ArgumentNullException.ThrowIfNull(table);
        var wanted = (long)skip + limit + 1;
        var rows = new List<T>(capacity: (int)Math.Min(limit, 1_000));
        var matched = 0;
        await foreach (var row in table.QueryAsync<T>(filter, maxPerPage: (int)Math.Min(wanted, 1_000), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            matched++;
            if (matched > skip + (long)limit)
            {
                return new TablePage<T>(rows, matched, rows.Count > 0 ? rows[^1].RowKey : null);
            }

            if (matched > skip)
            {
                rows.Add(row);
            }
        }

        return new TablePage<T>(rows, matched, null);
    }

    /// <summary>
    /// The filter of a newest-first list whose row keys are <paramref name="prefix"/> + <see cref="Inverted"/>
    /// creation ticks + anything: one partition, the keys of <c>[from, to)</c>, and after the cursor when there is
    /// one. A cursor outside that range is <see cref="InvalidCursorException"/> (another list's, or tampered with).
    /// </summary>
    public static string NewestFirstFilter(string partitionKey, string prefix, DateTimeOffset? from, DateTimeOffset? to, string? cursor)
    {
        var lower = to is { } end ? prefix + Inverted(end, 1) : prefix;
        var upper = from is { } start ? prefix + Inverted(start, 1) : After(prefix);
        return RangeFilter(partitionKey, lower, upper, cursor);
    }

    /// <summary>
    /// The filter of a list whose row keys are <paramref name="prefix"/> + anything, in key order, after the cursor
    /// when there is one; a cursor that is not one of this list's keys is <see cref="InvalidCursorException"/>.
    /// </summary>
    public static string PrefixFilter(string partitionKey, string prefix, string? cursor) => RangeFilter(partitionKey, prefix, After(prefix), cursor);

    private static string RangeFilter(string partitionKey, string lower, string upper, string? cursor)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey lt {upper}");
        if (cursor is null)
        {
            return filter + TableClient.CreateQueryFilter($" and RowKey ge {lower}");
        }

        var after = DecodeCursor(cursor);
        return string.CompareOrdinal(after, lower) >= 0 && string.CompareOrdinal(after, upper) < 0
            ? filter + TableClient.CreateQueryFilter($" and RowKey gt {after}")
            : throw new InvalidCursorException("The cursor does not belong to this list and these filters.");
    }

    /// <summary>Reads a page (see <see cref="ReadPageAsync{T}"/>) as the list's answer: total only when known, next as a cursor.</summary>
    public static async Task<ListPage<TItem>> ReadListPageAsync<TEntity, TItem>(
        this TableClient table, string filter, int skip, int limit, bool fromCursor, Func<TEntity, TItem> item, CancellationToken cancellationToken)
        where TEntity : class, ITableEntity
    {
        ArgumentNullException.ThrowIfNull(item);
        var page = await table.ReadPageAsync<TEntity>(filter, skip, limit, cancellationToken).ConfigureAwait(false);
        return new ListPage<TItem>(
            page.Rows.Select(item).ToList(),
            !fromCursor && page.AfterLast is null ? page.Matched : null,
            page.AfterLast is { } last ? EncodeCursor(last) : null);
    }

    /// <summary>Ticks counted down from the end of time, fixed width, so newer sorts first: <c>at</c> + <paramref name="plus"/> ticks.</summary>
    public static string Inverted(DateTimeOffset at, long plus = 0)
        => (DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks + plus).ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>The first key after every key that starts with <paramref name="prefix"/>.</summary>
    public static string After(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        return prefix[..^1] + (char)(prefix[^1] + 1);
    }

    /// <summary>A row key as an opaque, URL-safe cursor.</summary>
    public static string EncodeCursor(string rowKey) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(rowKey));

    /// <summary>The row key of a cursor; a cursor that is not one is <see cref="InvalidCursorException"/>.</summary>
    public static string DecodeCursor(string cursor)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        try
        {
            var key = new UTF8Encoding(false, true).GetString(Base64Url.DecodeFromChars(cursor));
            if (key.Length is > 0 and <= 1_024 && !key.Any(char.IsControl))
            {
                return key;
            }
        }
        catch (FormatException)
        {
            // Not base64url: answered below like any other cursor no page gave out.
        }
        catch (DecoderFallbackException)
        {
            // Base64url of bytes that are not UTF-8: the same.
        }

        throw new InvalidCursorException("The cursor is not one this list gave out.");
    }
}
