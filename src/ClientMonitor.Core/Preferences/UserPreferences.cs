using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Pipeline;

namespace ClientMonitor.Core.Preferences;

public enum NotificationFrequency
{
    Instant,
    Daily,
    Weekly,
}

/// <summary>
/// How a user wants to hear about events (seed <c>user_preferences</c>). <c>NotificationCategories</c> null means
/// every category. <c>DigestDayOfWeek</c> is 0 = Monday .. 6 = Sunday, as in the seed.
/// </summary>
public sealed record UserPreferences(
    string Id,
    string UserId,
    string BusinessId,
    bool NotificationEnabled,
    bool EmailNotificationsEnabled,
    double RelevanceThreshold,
    IReadOnlyList<EventCategory>? NotificationCategories,
    NotificationFrequency NotificationFrequency,
    bool AssignedClientsOnly,
    TimeOnly DigestTime,
    int DigestDayOfWeek,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>The defaults a user gets before saving anything (seed: threshold 0.7, instant, 09:00, Monday).</summary>
    public static UserPreferences Default(string businessId, string userId, DateTimeOffset now) => new(
        PreferencesId(businessId, userId), userId, businessId, true, true, 0.7, null, NotificationFrequency.Instant, false, new TimeOnly(9, 0), 0, now, now);

    /// <summary>One preferences record per user, so its id follows from the user's.</summary>
    public static string PreferencesId(string businessId, string userId) => StableId.From("preferences", businessId, userId);
}

/// <summary>Which channels a user gets for one event, if any.</summary>
public sealed record RecipientDecision(string UserId, bool InApp, bool Email, NotificationFrequency Frequency);

/// <summary>The seed's <c>should_notify_for_event</c>: enabled flags, threshold, categories, assignment.</summary>
public static class NotificationRules
{
    public static RecipientDecision? Decide(UserPreferences preferences, Client client, MonitoringEvent monitoringEvent)
    {
        ArgumentNullException.ThrowIfNull(preferences);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(monitoringEvent);

        if (!preferences.NotificationEnabled && !preferences.EmailNotificationsEnabled)
        {
            return null;
        }

        if (monitoringEvent.Relevance < preferences.RelevanceThreshold)
        {
            return null;
        }

        if (preferences.NotificationCategories is { Count: > 0 } categories && !categories.Contains(monitoringEvent.Category))
        {
            return null;
        }

        if (preferences.AssignedClientsOnly && !client.AssignedUserIds.Contains(preferences.UserId, StringComparer.Ordinal))
        {
            return null;
        }

        return new RecipientDecision(preferences.UserId, preferences.NotificationEnabled, preferences.EmailNotificationsEnabled, preferences.NotificationFrequency);
    }
}
