using System.Text.Json;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Durable;
using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.Serializing;

namespace ClientMonitor.Application.Cli;

/// <summary>
/// Starts job run orchestrations from outside any host (the CLI's <c>run</c>): it writes the instance straight into
/// the task hub through the Azure Storage provider's client, and whichever host serves that task hub (the Functions
/// app in Azure, the local host) runs it. Inputs are JSON as the Durable Task SDK writes them (System.Text.Json).
/// </summary>
public sealed class TaskHubJobRunLauncher : IJobRunLauncher, IDisposable
{
    private readonly AzureStorageOrchestrationService _service;
    private readonly TaskHubClient _client;

    public TaskHubJobRunLauncher(StorageAccountClientProvider storage, string taskHubName)
    {
        _service = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings { StorageAccountClientProvider = storage, TaskHubName = taskHubName, UseTablePartitionManagement = true });
        _client = new TaskHubClient(_service, new SdkJsonConverter(), null);
    }

    public async Task LaunchAsync(JobRun jobRun, IReadOnlyList<string> clientIds, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobRun);
        await _service.CreateIfNotExistsAsync().ConfigureAwait(false);
        if (await _client.GetOrchestrationStateAsync(jobRun.Id).ConfigureAwait(false) is not null)
        {
            return;
        }

        var input = new JobRunInput(jobRun.BusinessId, jobRun.Id, clientIds, jobRun.StartedAt, deadline);
        await _client.CreateOrchestrationInstanceAsync(JobRunOrchestration.Name, string.Empty, jobRun.Id, input).ConfigureAwait(false);
    }

    public async Task<string?> GetRuntimeStatusAsync(string jobRunId, CancellationToken cancellationToken)
        => (await _client.GetOrchestrationStateAsync(jobRunId).ConfigureAwait(false))?.OrchestrationStatus.ToString();

    public void Dispose() => _service.Dispose();

    /// <summary>System.Text.Json, as the Durable Task SDK's workers read inputs and write outputs.</summary>
    private sealed class SdkJsonConverter : DataConverter
    {
        private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

        public override string Serialize(object value) => JsonSerializer.Serialize(value);

        public override string Serialize(object value, bool formatted) => JsonSerializer.Serialize(value, formatted ? Indented : null);

        public override object Deserialize(string data, Type objectType) => JsonSerializer.Deserialize(data, objectType)!;
    }
}
