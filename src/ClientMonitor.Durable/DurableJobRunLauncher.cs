using ClientMonitor.Core.Pipeline;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace ClientMonitor.Durable;

/// <summary>
/// Launches a job run as an instance of <see cref="JobRunOrchestration"/> whose id is the job run's id. The
/// scheduler's ETag claim already makes one run per occurrence, and each run is launched by the one caller that
/// created it; the check for an existing instance only guards against launching a run a second time.
/// </summary>
public sealed class DurableJobRunLauncher(DurableTaskClient client) : IJobRunLauncher
{
    public async Task LaunchAsync(JobRun jobRun, IReadOnlyList<string> clientIds, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobRun);
        if (await client.GetInstanceAsync(jobRun.Id, cancellationToken).ConfigureAwait(false) is not null)
        {
            return;
        }

        var input = new JobRunInput(jobRun.BusinessId, jobRun.Id, clientIds, jobRun.StartedAt, deadline);
        await client.ScheduleNewOrchestrationInstanceAsync(JobRunOrchestration.Name, input, new StartOrchestrationOptions(jobRun.Id), cancellationToken).ConfigureAwait(false);
    }

    public async Task<string?> GetRuntimeStatusAsync(string jobRunId, CancellationToken cancellationToken)
        => (await client.GetInstanceAsync(jobRunId, cancellationToken).ConfigureAwait(false))?.RuntimeStatus.ToString();
}
