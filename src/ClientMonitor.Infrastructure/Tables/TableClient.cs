using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using ClientMonitor.Infrastructure.Storage;

namespace ClientMonitor.Infrastructure.Tables;

/// <summary>How a write treats the properties already stored.</summary>
public enum TableUpdateMode
{
    /// <summary>Properties not in the new entity are kept.</summary>
    Merge,

    /// <summary>The stored row becomes exactly the new entity.</summary>
    Replace,
}

/// <summary>
/// One table over the Table service REST API. Failures surface as <see cref="RequestFailedException"/> with the
/// status, the service's error code and the request id; a lost conditional write as <see cref="TableConcurrencyException"/>.
/// </summary>
public sealed class TableClient
{
    private const string JsonAccept = "application/json;odata=minimalmetadata";
    private readonly HttpPipeline _pipeline;
    private readonly string _endpoint;

    internal TableClient(TableServiceClient service, string tableName)
    {
        ValidateTableName(tableName);
        _pipeline = service.Pipeline;
        _endpoint = service.Endpoint.ToString();
        Name = tableName;
    }

    public string Name { get; }

    /// <summary>Creates the table; returns true if it was created, false if it already existed.</summary>
    public async Task<bool> CreateIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["TableName"] = Name });
        using var message = CreateMessage(RequestMethod.Post, "Tables", body);
        message.Request.Headers.SetValue("Prefer", "return-no-content");
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        StorageResponse.EnsureSuccess(response, 201, 204, 409);
        return response.Status != 409;
    }

    /// <summary>Deletes the table if it exists.</summary>
    public async Task DeleteAsync(CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Delete, $"Tables('{Uri.EscapeDataString(Name)}')");
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        StorageResponse.EnsureSuccess(response, 204, 404);
    }

    /// <summary>Inserts a new row; 409 (<c>EntityAlreadyExists</c>) if the keys are taken. Returns the new ETag.</summary>
    public async Task<Response<ETag>> AddEntityAsync<T>(T entity, CancellationToken cancellationToken = default)
        where T : class, ITableEntity, new()
    {
        ArgumentNullException.ThrowIfNull(entity);
        using var message = CreateMessage(RequestMethod.Post, Name, TableEntityMapper<T>.Serialize(entity));
        message.Request.Headers.SetValue("Prefer", "return-no-content");
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        StorageResponse.EnsureSuccess(response, 201, 204);
        return Response.FromValue(response.Headers.ETag ?? default, response);
    }

    /// <summary>Inserts or overwrites the row unconditionally (no ETag check).</summary>
    public Task<Response<ETag>> UpsertEntityAsync<T>(T entity, TableUpdateMode mode = TableUpdateMode.Merge, CancellationToken cancellationToken = default)
        where T : class, ITableEntity, new()
        => WriteAsync(entity, mode, ifMatch: null, cancellationToken);

    /// <summary>
    /// Updates an existing row only if its ETag still equals <paramref name="ifMatch"/> (<see cref="ETag.All"/> for
    /// any version). Throws <see cref="TableConcurrencyException"/> when another writer got there first, and a
    /// 404 <see cref="RequestFailedException"/> when the row does not exist.
    /// </summary>
    public Task<Response<ETag>> UpdateEntityAsync<T>(T entity, ETag ifMatch, TableUpdateMode mode = TableUpdateMode.Replace, CancellationToken cancellationToken = default)
        where T : class, ITableEntity, new()
        => WriteAsync(entity, mode, ifMatch, cancellationToken);

    /// <summary>Deletes a row; with an ETag other than <see cref="ETag.All"/> only if unchanged. A missing row is not an error.</summary>
    public async Task DeleteEntityAsync(string partitionKey, string rowKey, ETag ifMatch = default, CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Delete, TableKeys.EntityPath(Name, partitionKey, rowKey));
        message.Request.Headers.SetValue("If-Match", ifMatch == default ? "*" : ifMatch.ToString());
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        StorageResponse.EnsureSuccess(response, 204, 404);
    }

    /// <summary>Reads one row, or null if there is none.</summary>
    public async Task<T?> GetEntityIfExistsAsync<T>(string partitionKey, string rowKey, CancellationToken cancellationToken = default)
        where T : class, ITableEntity, new()
    {
        using var message = CreateMessage(RequestMethod.Get, TableKeys.EntityPath(Name, partitionKey, rowKey));
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status == 404)
        {
            return null;
        }

        StorageResponse.EnsureSuccess(response, 200);
        using var json = JsonDocument.Parse(response.Content.ToMemory());
        return TableEntityMapper<T>.Deserialize(json.RootElement, response.Headers.ETag);
    }

    /// <summary>
    /// Queries rows page by page, following the service's continuation tokens. <paramref name="filter"/> should be
    /// built with <see cref="TableFilter.Create"/>; <paramref name="maxPerPage"/> is capped by the service at 1,000.
    /// </summary>
    public AsyncPageable<T> QueryAsync<T>(string? filter = null, IEnumerable<string>? select = null, int? maxPerPage = null, CancellationToken cancellationToken = default)
        where T : class, ITableEntity, new()
        => new QueryPageable<T>(this, filter, select?.ToArray(), maxPerPage, cancellationToken);

    internal async Task<Page<T>> QueryPageAsync<T>(string? filter, string[]? select, int? top, string? continuation, CancellationToken cancellationToken)
        where T : class, ITableEntity, new()
    {
        var query = new List<string>();
        if (!string.IsNullOrEmpty(filter)) query.Add("$filter=" + Uri.EscapeDataString(filter));
        if (select is { Length: > 0 }) query.Add("$select=" + Uri.EscapeDataString(string.Join(',', select)));
        if (top is { } n) query.Add("$top=" + Math.Clamp(n, 1, 1000));
        if (continuation is not null)
        {
            var (nextPartition, nextRow) = SplitContinuation(continuation);
            query.Add("NextPartitionKey=" + Uri.EscapeDataString(nextPartition));
            if (nextRow is not null) query.Add("NextRowKey=" + Uri.EscapeDataString(nextRow));
        }

        var path = Name + "()" + (query.Count > 0 ? "?" + string.Join('&', query) : string.Empty);
        using var message = CreateMessage(RequestMethod.Get, path);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        StorageResponse.EnsureSuccess(response, 200);

        using var json = JsonDocument.Parse(response.Content.ToMemory());
        var items = json.RootElement.GetProperty("value").EnumerateArray()
            .Select(e => TableEntityMapper<T>.Deserialize(e))
            .ToList();

        response.Headers.TryGetValue("x-ms-continuation-NextPartitionKey", out var npk);
        response.Headers.TryGetValue("x-ms-continuation-NextRowKey", out var nrk);
        var next = npk is null ? null : nrk is null ? npk : npk + " " + nrk;
        return Page<T>.FromValues(items, next, response);
    }

    private static (string Partition, string? Row) SplitContinuation(string token)
    {
        var space = token.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? (token, null) : (token[..space], token[(space + 1)..]);
    }

    private async Task<Response<ETag>> WriteAsync<T>(T entity, TableUpdateMode mode, ETag? ifMatch, CancellationToken cancellationToken)
        where T : class, ITableEntity, new()
    {
        ArgumentNullException.ThrowIfNull(entity);
        var method = mode == TableUpdateMode.Merge ? new RequestMethod("MERGE") : RequestMethod.Put;
        using var message = CreateMessage(method, TableKeys.EntityPath(Name, entity.PartitionKey, entity.RowKey), TableEntityMapper<T>.Serialize(entity));
        if (ifMatch is { } etag)
        {
            message.Request.Headers.SetValue("If-Match", etag.ToString());
        }

        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        StorageResponse.EnsureSuccess(response, 204);
        return Response.FromValue(response.Headers.ETag ?? default, response);
    }

    private HttpMessage CreateMessage(RequestMethod method, string relativePath, byte[]? body = null)
    {
        var message = _pipeline.CreateMessage();
        var request = message.Request;
        request.Method = method;
        request.Uri.Reset(new Uri(_endpoint + "/" + relativePath));
        request.Headers.SetValue("Accept", JsonAccept);
        request.Headers.SetValue("DataServiceVersion", "3.0;NetFx");
        request.Headers.SetValue("MaxDataServiceVersion", "3.0;NetFx");
        if (body is not null)
        {
            request.Headers.SetValue("Content-Type", "application/json");
            request.Content = RequestContent.Create(body);
        }

        return message;
    }

    private async Task<Response> SendAsync(HttpMessage message, CancellationToken cancellationToken)
    {
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return message.Response;
    }

    private static void ValidateTableName(string tableName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tableName);
        if (tableName.Length is < 3 or > 63 || !char.IsAsciiLetter(tableName[0]) || !tableName.All(char.IsAsciiLetterOrDigit))
        {
            throw new ArgumentException($"'{tableName}' is not a valid table name (3-63 letters and digits, starting with a letter).", nameof(tableName));
        }
    }

    private sealed class QueryPageable<T>(TableClient table, string? filter, string[]? select, int? maxPerPage, CancellationToken cancellationToken)
        : AsyncPageable<T>(cancellationToken)
        where T : class, ITableEntity, new()
    {
        public override async IAsyncEnumerable<Page<T>> AsPages(string? continuationToken = null, int? pageSizeHint = null)
        {
            var next = continuationToken;
            do
            {
                var page = await table.QueryPageAsync<T>(filter, select, pageSizeHint ?? maxPerPage, next, CancellationToken).ConfigureAwait(false);
                next = page.ContinuationToken;
                yield return page;
            }
            while (next is not null);
        }
    }
}
