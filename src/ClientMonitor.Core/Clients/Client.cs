namespace ClientMonitor.Core.Clients;

/// <summary>
/// A client of a business, the thing being monitored. <c>Keywords</c> widen the search (product names, brands);
/// <c>AssignedUserIds</c> are the account owners used by "assigned clients only" preferences.
/// </summary>
public sealed record Client(
    string Id,
    string BusinessId,
    string Name,
    string? Domain,
    string? Industry,
    IReadOnlyList<string> Keywords,
    IReadOnlyList<string> AssignedUserIds,
    string? SalesforceAccountId,
    string? HubSpotCompanyId,
    bool IsActive);
