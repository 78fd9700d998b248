namespace ClientMonitor.Core.Tenancy;

/// <summary>A customer of ClientMonitor; every other record belongs to exactly one business.</summary>
public sealed record Business(string Id, string Name, DateTimeOffset CreatedAt);

public enum UserRole
{
    Member,
    Admin,
}

/// <summary>A person of a business. <c>TimeZone</c> is an IANA id (e.g. <c>Europe/Berlin</c>) used for digests.</summary>
public sealed record User(string Id, string BusinessId, string Email, string Name, UserRole Role, string TimeZone);
