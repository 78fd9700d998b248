using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Pipeline;

namespace ClientMonitor.Core.Operations;

/// <summary>
/// The product's custom metrics and events (Application Insights in Azure, nothing locally). Dimensions are small
/// fixed sets (status, job type, category, provider, channel); ids go into event properties only, and no personal
/// data (names, addresses, titles) is ever sent.
/// </summary>
public interface IMonitoringTelemetry
{
    /// <summary>A job run reached its final status: duration and outcome, with its counts.</summary>
    void JobRunFinished(JobRun run);

    /// <summary>A client run finished: the client, what it found, the events by category, and every provider call's latency.</summary>
    void ClientProcessed(ClientRun run, IReadOnlyCollection<EventCategory> eventCategories, int qualifiedEvents);

    /// <summary>An email left the queue for good or for now (<c>sent</c>, <c>failed</c>, <c>bounced</c>, <c>pending</c>).</summary>
    void EmailHandled(string provider, string emailType, EmailStatus status);

    /// <summary>The first open or click of an email (<c>open</c>, <c>click</c>).</summary>
    void EmailEngaged(string kind);

    /// <summary>A stored automation report: its source, actions and success rate (null with no actions).</summary>
    void ReportGenerated(string source, int actions, double? successRate);

    /// <summary>One alert delivery attempt to one channel.</summary>
    void AlertDelivered(string channel, string kind, string outcome);

    /// <summary>A provider's circuit opened or closed.</summary>
    void CircuitChanged(string provider, bool open);

    /// <summary>A scheduler tick: how late it started and what it did.</summary>
    void SchedulerTicked(TimeSpan lag, int due, int started);

    /// <summary>How many messages wait in a queue and its poison queue.</summary>
    void QueueSampled(string queue, int backlog, int poison);
}

/// <summary>Telemetry that goes nowhere: tests and hosts without Application Insights.</summary>
public sealed class NoTelemetry : IMonitoringTelemetry
{
    public static readonly NoTelemetry Instance = new();

    public void JobRunFinished(JobRun run)
    {
    }

    public void ClientProcessed(ClientRun run, IReadOnlyCollection<EventCategory> eventCategories, int qualifiedEvents)
    {
    }

    public void EmailHandled(string provider, string emailType, EmailStatus status)
    {
    }

    public void EmailEngaged(string kind)
    {
    }

    public void ReportGenerated(string source, int actions, double? successRate)
    {
    }

    public void AlertDelivered(string channel, string kind, string outcome)
    {
    }

    public void CircuitChanged(string provider, bool open)
    {
    }

    public void SchedulerTicked(TimeSpan lag, int due, int started)
    {
    }

    public void QueueSampled(string queue, int backlog, int poison)
    {
    }
}
