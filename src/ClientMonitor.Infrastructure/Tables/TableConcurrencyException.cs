using Azure;
using ClientMonitor.Infrastructure.Storage;

namespace ClientMonitor.Infrastructure.Tables;

/// <summary>
/// Thrown when a conditional write lost a race: the entity's ETag no longer matches (HTTP 412), so someone else
/// changed it first. Callers re-read and retry, or give up, as their operation requires.
/// </summary>
public sealed class TableConcurrencyException : RequestFailedException
{
    internal TableConcurrencyException(Response response)
        : base(response, null, StorageErrorParser.Instance)
    {
    }
}
