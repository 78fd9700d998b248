using ClientMonitor.Infrastructure.Storage;

namespace ClientMonitor.Infrastructure.Tests.Storage;

public sealed class StorageConnectionStringTests
{
    [Fact]
    public void DevelopmentStorage_PointsAtAzuriteDefaults()
    {
        var parsed = StorageConnectionString.Parse("UseDevelopmentStorage=true");

        Assert.Equal("http://127.0.0.1:10002/devstoreaccount1", parsed.TableEndpoint.ToString().TrimEnd('/'));
        Assert.Equal("http://127.0.0.1:10001/devstoreaccount1", parsed.QueueEndpoint.ToString().TrimEnd('/'));
        Assert.Equal("devstoreaccount1", parsed.Credential!.AccountName);
    }

    [Fact]
    public void AccountAndSuffix_DeriveServiceEndpoints()
    {
        var parsed = StorageConnectionString.Parse("DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=AAAA;EndpointSuffix=core.windows.net");

        Assert.Equal("https://acme.table.core.windows.net/", parsed.TableEndpoint.ToString());
        Assert.Equal("https://acme.queue.core.windows.net/", parsed.QueueEndpoint.ToString());
    }

    [Fact]
    public void MissingAccountAndEndpoints_IsRejectedWithTheMissingPart()
    {
        var ex = Assert.Throws<FormatException>(() => StorageConnectionString.Parse("AccountKey=AAAA"));
        Assert.Contains("TableEndpoint", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidKey_IsRejectedWithoutEchoingIt()
    {
        var ex = Assert.Throws<FormatException>(() => StorageConnectionString.Parse("AccountName=acme;AccountKey=not*base64"));
        Assert.DoesNotContain("not*base64", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Credential_ToString_DoesNotRevealTheKey()
    {
        var credential = new StorageSharedKeyCredential("acme", "c2VjcmV0LWtleQ==");
        Assert.DoesNotContain("c2VjcmV0", credential.ToString(), StringComparison.Ordinal);
    }
}
