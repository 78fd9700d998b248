using ClientMonitor.Infrastructure.Tables;

namespace ClientMonitor.Infrastructure.Tests.Tables;

public sealed class TableFilterTests
{
    [Theory]
    [MemberData(nameof(Literals))]
    public void Create_FormatsEachValueAsAnODataLiteral(object value, string expected)
    {
        Assert.Equal("X eq " + expected, TableFilter.Create($"X eq {value}"));
    }

    public static TheoryData<object, string> Literals() => new()
    {
        { "plain", "'plain'" },
        { "it's", "'it''s'" },
        { 42, "42" },
        { 42L, "42L" },
        { 2.0, "2.0" },
        { 0.5, "0.5" },
        { true, "true" },
        { new DateTimeOffset(2026, 3, 29, 3, 0, 0, TimeSpan.FromHours(2)), "datetime'2026-03-29T01:00:00.0000000Z'" },
        { Guid.Parse("c9da6455-213d-42c9-9a79-3e9149a57833"), "guid'c9da6455-213d-42c9-9a79-3e9149a57833'" },
    };
}
