using ClientMonitor.Application.Pipeline;
using ClientMonitor.Infrastructure.Providers;
using Microsoft.Extensions.Configuration;

namespace ClientMonitor.Functions.Tests.Pipeline;

public sealed class ProviderSettingsTests
{
    [Fact]
    public void ResilienceOverrides_FromConfiguration_ReplaceTheDefaultsForOneProvider()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Providers:Resilience:MaxRetries"] = "2",
            ["Providers:ResilienceOverrides:google_search:DailyQuota"] = "5",
        }).Build();

        var options = configuration.GetSection(ProvidersOptions.Section).Get<ProvidersOptions>()!;

        Assert.Equal(5, options.ResilienceFor("google_search").DailyQuota);
        Assert.Equal(2, options.ResilienceFor("news_api").MaxRetries);
        Assert.Null(options.ResilienceFor("news_api").DailyQuota);
    }

    [Fact]
    public void GoogleQuota_WithoutASetting_IsTheFreeTier()
    {
        Assert.Equal(100, new ProvidersOptions().ResilienceFor("google_search").DailyQuota);
    }

    [Theory]
    [InlineData("Providers:Ai:Provider", "opneai", "Providers:Ai:Provider 'opneai'")]
    [InlineData("Providers:Ai:Provider", "anthropic", "Providers:Ai:Anthropic:ApiKey")]
    [InlineData("Providers:Google:ApiKey", "key-only", "Providers:Google:EngineId")]
    [InlineData("Providers:Salesforce:ClientId", "cid", "Providers:Salesforce:RefreshToken")]
    public void Validator_SettingThatWouldBeIgnored_FailsNamingIt(string key, string value, string expected)
    {
        var options = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build()
            .GetSection(ProvidersOptions.Section).Get<ProvidersOptions>()!;

        var result = new ProvidersOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://oai-example.openai.azure.com/openai/v1/", false)]
    [InlineData("https://oai-example.openai.azure.com/", true)]
    public void Validator_AzureOpenAiEndpoint_IsTheResourceEndpointWithoutAPath(string endpoint, bool valid)
    {
        var options = new ProvidersOptions();
        options.Ai.Provider = "azure_openai";
        options.Ai.AzureOpenAI.Endpoint = new Uri(endpoint);
        options.Ai.AzureOpenAI.Model = "gpt-4o-mini";
        options.Ai.AzureOpenAI.UseEntraId = true;

        var result = new ProvidersOptionsValidator().Validate(null, options);

        Assert.Equal(valid, result.Succeeded);
        Assert.True(valid || result.FailureMessage!.Contains("Providers:Ai:AzureOpenAI:Endpoint is the resource endpoint", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http://api.openai.example/v1/", false)]
    [InlineData("http://127.0.0.1:5000/v1/", true)]
    [InlineData("https://api.openai.example/v1/", true)]
    public void Validator_LlmEndpoint_MustBeHttpsUnlessLocal(string endpoint, bool valid)
    {
        var options = new ProvidersOptions();
        options.Ai.Provider = "openai";
        options.Ai.OpenAI.ApiKey = "sk-test";
        options.Ai.OpenAI.Endpoint = new Uri(endpoint);

        var result = new ProvidersOptionsValidator().Validate(null, options);

        Assert.Equal(valid, result.Succeeded);
        Assert.True(valid || result.FailureMessage!.Contains("Providers:Ai:OpenAI:Endpoint must be https", StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_Defaults_Pass()
    {
        Assert.True(new ProvidersOptionsValidator().Validate(null, new ProvidersOptions()).Succeeded);
    }
}
