using ClientMonitor.Application.Health;
using ClientMonitor.Functions.Hosting;
using Microsoft.Extensions.Configuration;

namespace ClientMonitor.Functions.Tests.Hosting;

public sealed class HostingModeTests
{
    [Theory]
    [InlineData(null, null, HostingMode.Standalone)]
    [InlineData("51234", null, HostingMode.Functions)]
    [InlineData("51234", "standalone", HostingMode.Standalone)]
    [InlineData(null, "Functions", HostingMode.Functions)]
    public void Mode_FollowsTheHostsPortUnlessOverridden(string? port, string? mode, HostingMode expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [FunctionsHosting.PortSetting] = port,
            [FunctionsHosting.ModeSetting] = mode,
        }).Build();

        Assert.Equal(expected, FunctionsHosting.ResolveMode(configuration));
    }

    [Fact]
    public void UnknownMode_IsRejectedWithTheSettingName()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [FunctionsHosting.ModeSetting] = "both" }).Build();

        var ex = Assert.Throws<InvalidOperationException>(() => FunctionsHosting.ResolveMode(configuration));

        Assert.Contains(FunctionsHosting.ModeSetting, ex.Message, StringComparison.Ordinal);
    }
}
