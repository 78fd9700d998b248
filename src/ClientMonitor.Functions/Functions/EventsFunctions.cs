using ClientMonitor.Application.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace ClientMonitor.Functions.Functions;

/// <summary>Events found for clients, and the in-app notifications about them. One function per operation; each runs its endpoint through <see cref="ApiEndpoints"/>.</summary>
public sealed class EventsFunctions(ApiEndpoints api)
{
    private const string EventsRoute = "v1/events";
    private const string EventsItemRoute = "v1/events/{eventId}";
    private const string NotificationsRoute = "v1/notifications";
    private const string NotificationsItemReadRoute = "v1/notifications/{notificationId}/read";

    [Function("ListEvents")]
    public Task<IActionResult> ListEvents([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = EventsRoute)] HttpRequest request)
        => api.RunAsync(request, EventsRoute);

    [Function("GetEvent")]
    public Task<IActionResult> GetEvent([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = EventsItemRoute)] HttpRequest request)
        => api.RunAsync(request, EventsItemRoute);

    [Function("ListNotifications")]
    public Task<IActionResult> ListNotifications([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = NotificationsRoute)] HttpRequest request)
        => api.RunAsync(request, NotificationsRoute);

    [Function("MarkNotificationRead")]
    public Task<IActionResult> MarkNotificationRead([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = NotificationsItemReadRoute)] HttpRequest request)
        => api.RunAsync(request, NotificationsItemReadRoute);
}
