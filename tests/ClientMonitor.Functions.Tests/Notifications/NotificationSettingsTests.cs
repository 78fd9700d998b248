using ClientMonitor.Core.Notifications;
using ClientMonitor.Application.Notifications;
using ClientMonitor.Infrastructure.Notifications;
using Microsoft.Extensions.Configuration;

namespace ClientMonitor.Functions.Tests.Notifications;

/// <summary>Email and alert settings that would fail at the first send stop start-up, naming the setting.</summary>
public sealed class NotificationSettingsTests
{
    private static T Bind<T>(string section, Dictionary<string, string?> values)
        where T : new()
        => new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection(section).Get<T>() ?? new T();

    [Theory]
    [InlineData("Email:Provider", "pigeon", "Email:Provider is 'pigeon'")]
    [InlineData("Email:FromAddress", "not an address", "Email:FromAddress")]
    [InlineData("Email:Provider", "smtp", "Email:Smtp:Host is required")]
    [InlineData("Email:Provider", "acs", "Email:Acs needs a ConnectionString, or an Endpoint")]
    [InlineData("Email:TrackingKey", "c2hvcnQ=", "Email:TrackingKey must be base64 of at least 32 bytes")]
    [InlineData("Email:PerMinuteLimit", "0", "Email:PerMinuteLimit")]
    public void EmailSettings(string key, string value, string expected)
    {
        var result = new NotificationOptionsValidator().Validate(null, Bind<EmailOptions>("Email", new() { [key] = value }));

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void AcsConnectionStringWithoutAKey_IsNamed()
    {
        var result = new NotificationOptionsValidator().Validate(null, Bind<EmailOptions>("Email", new() { ["Email:Provider"] = "acs", ["Email:Acs:ConnectionString"] = "endpoint=https://x.communication.azure.com/" }));

        Assert.Contains("Email:Acs:ConnectionString", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Email:PublicBaseUrl", "/relative", "Email:PublicBaseUrl")]
    [InlineData("Email:MaxInstantPerUserPerHour", "-1", "Email:MaxInstantPerUserPerHour")]
    public void DeliverySettings(string key, string value, string expected)
    {
        var result = new NotificationOptionsValidator().Validate(null, Bind<EmailDeliveryOptions>("Email", new() { [key] = value }));

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Alerts:Recipients", "ops@example.com, nobody", "'nobody', which is not an email address")]
    [InlineData("Alerts:MaxErrorRate", "1.5", "Alerts:MaxErrorRate")]
    [InlineData("Alerts:ThrottleMinutes", "-5", "Alerts:ThrottleMinutes")]
    public void AlertSettings(string key, string value, string expected)
    {
        var result = new NotificationOptionsValidator().Validate(null, Bind<AlertOptions>("Alerts", new() { [key] = value }));

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Alerts:WebhookUrl", "https://hooks.example/x", "Alerts:WebhookSecret is required")]
    [InlineData("Alerts:SlackToken", "xoxb-1", "Alerts:SlackToken and Alerts:SlackChannel go together")]
    [InlineData("Alerts:SlackWebhookUrl", "not a url", "Alerts:SlackWebhookUrl")]
    public void ChannelSettings(string key, string value, string expected)
    {
        var result = new NotificationOptionsValidator().Validate(null, Bind<AlertChannelOptions>("Alerts", new() { [key] = value }));

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_Pass()
    {
        var validator = new NotificationOptionsValidator();
        Assert.True(validator.Validate(null, new EmailOptions()).Succeeded);
        Assert.True(validator.Validate(null, new EmailDeliveryOptions()).Succeeded);
        Assert.True(validator.Validate(null, new AlertOptions()).Succeeded);
        Assert.True(validator.Validate(null, new AlertChannelOptions()).Succeeded);
    }
}
