using System.Text.Json;
using ClientMonitor.Application.Triggers;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Functions.Hosting;

namespace ClientMonitor.Functions.Invocations;

/// <summary>
/// <c>MonitorClient</c> (queue <c>monitor-client</c>): runs one client of a job run. A malformed message, or one
/// naming a job run or client run that does not exist, goes straight to poison with the reason; any other failure
/// is retried by the queue, and on the last try the client run is recorded as failed so that the job run finishes.
/// </summary>
public sealed class MonitorClientFunction(MonitorClientProcessor processor, HostSettings host, ILogger<MonitorClientFunction> logger) : IQueueFunction
{
    public string Name => "MonitorClient";

    public async Task RunAsync(QueueInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        MonitorClientMessage? message;
        try
        {
            message = WireJson.Deserialize<MonitorClientMessage>(invocation.MessageText);
        }
        catch (JsonException ex)
        {
            throw new InvalidMessageException("Not a monitor-client message: " + ex.Message);
        }

        if (message is null || string.IsNullOrEmpty(message.BusinessId) || string.IsNullOrEmpty(message.JobRunId) || string.IsNullOrEmpty(message.ClientId))
        {
            throw new InvalidMessageException("A monitor-client message needs business_id, job_run_id and client_id.");
        }

        // Every log line of this client run (provider calls included) carries the run's ids, for correlation.
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["BusinessId"] = message.BusinessId, ["JobRunId"] = message.JobRunId, ["ClientId"] = message.ClientId });
        try
        {
            await processor.ProcessAsync(message, (int)Math.Min(int.MaxValue, invocation.DequeueCount), host.MaxDequeueCount, cancellationToken);
        }
        catch (UnprocessableMessageException ex)
        {
            throw new InvalidMessageException(ex.Message);
        }
    }
}
