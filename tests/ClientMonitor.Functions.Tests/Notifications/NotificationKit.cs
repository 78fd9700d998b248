using System.Security.Cryptography;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Application.Triggers;
using ClientMonitor.Application.Notifications;
using ClientMonitor.Functions.Tests.Pipeline;
using Microsoft.Extensions.DependencyInjection;

namespace ClientMonitor.Functions.Tests.Notifications;

/// <summary>
/// Plays the <c>notifications</c> queue for a test: the worker's recorded messages are handed to the real
/// DeliverNotification function once they are visible on the test's clock, as the queue would hand them over.
/// </summary>
internal static class NotificationKit
{
    public static readonly string TrackingKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static string NewMailDirectory() => Path.Combine(Path.GetTempPath(), "cm-mail-" + Guid.NewGuid().ToString("N"));

    public static Dictionary<string, string?> Settings(string mailDirectory, Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Providers:UseMocks"] = "true",
            ["Email:Provider"] = "file",
            ["Email:FileDirectory"] = mailDirectory,
            ["Email:TrackingKey"] = TrackingKey,
            ["Email:PublicBaseUrl"] = "http://cm.test",
            ["Email:FromAddress"] = "clientmonitor@cm.test",
        };
        foreach (var (key, value) in more ?? [])
        {
            settings[key] = value;
        }

        return settings;
    }

    public static DeliverNotificationHandler Deliver(this PipelineWorker worker) => worker.Services.GetRequiredService<DeliverNotificationHandler>();

    public static Task HandleAsync(this PipelineWorker worker, NotificationMessage message, int dequeueCount = 1)
        => worker.Deliver().RunAsync(
            new QueueInvocation("DeliverNotification", System.Text.Json.JsonSerializer.Serialize(message, message.GetType(), WireJson.Options), Guid.NewGuid().ToString(), dequeueCount, null),
            CancellationToken.None);

    /// <summary>Hands every visible message to DeliverNotification, including the ones those produce, until none is visible.</summary>
    public static async Task<int> PumpAsync(this PipelineWorker worker, Func<NotificationMessage, bool>? only = null)
    {
        var handled = 0;
        for (var round = 0; round < 1000; round++)
        {
            var now = worker.Dispatcher.Clock.GetUtcNow();
            var waiting = new List<(NotificationMessage, DateTimeOffset)>();
            var visible = new List<NotificationMessage>();
            while (worker.Dispatcher.Notifications.TryDequeue(out var item))
            {
                if (item.VisibleAt <= now && (only is null || only(item.Message)))
                {
                    visible.Add(item.Message);
                }
                else
                {
                    waiting.Add(item);
                }
            }

            foreach (var item in waiting)
            {
                worker.Dispatcher.Notifications.Enqueue(item);
            }

            if (visible.Count == 0)
            {
                return handled;
            }

            foreach (var message in visible)
            {
                await worker.HandleAsync(message);
                handled++;
            }
        }

        throw new InvalidOperationException("The notifications queue never ran dry.");
    }
}
