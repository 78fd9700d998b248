namespace ClientMonitor.Core.Operations;

/// <summary>The queues between the functions. Each has a <c>-poison</c> twin for messages that failed too often.</summary>
public static class QueueNames
{
    /// <summary>Emails, Slack messages and webhooks to deliver; consumed by DeliverNotification.</summary>
    public const string Notifications = "notifications";

    public static string PoisonOf(string queueName) => queueName + "-poison";
}
