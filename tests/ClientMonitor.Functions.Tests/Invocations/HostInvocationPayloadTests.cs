using System.Text.Json;
using ClientMonitor.Core.Operations;
using ClientMonitor.Functions.Hosting;
using ClientMonitor.Application.Triggers;
using ClientMonitor.Functions.Invocations;

namespace ClientMonitor.Functions.Tests.Invocations;

public sealed class HostInvocationPayloadTests
{
    private static readonly FunctionDefinition StringQueue = new("Work", TriggerKind.Queue, "msg", null, "work-items", null);

    [Theory]
    [InlineData("\"\\\"{\\\\\\\"orderId\\\\\\\":42}\\\"\"", "{\"orderId\":42}")] // the host's double-encoded JSON text
    [InlineData("\"\\\"hello\\\"\"", "hello")]                                   // a double-encoded plain string
    [InlineData("\"plain\"", "plain")]                                           // a single-encoded string
    [InlineData("{\"orderId\":42}", "{\"orderId\":42}")]                          // an object, as the docs' sample shows
    public void QueueData_InEveryFormTheHostUses_DecodesToTheMessageText(string dataJson, string expected)
    {
        var request = Parse($$"""{ "Data": { "msg": {{dataJson}} }, "Metadata": { "DequeueCount": "3", "Id": "\"abc\"" } }""");

        var invocation = HostInvocationPayload.ToQueueInvocation(StringQueue, request, TimeProvider.System);

        Assert.Equal(expected, invocation.MessageText);
        Assert.Equal(3, invocation.DequeueCount);
        Assert.Equal("abc", invocation.MessageId);
    }

    [Fact]
    public void NumericMetadata_IsAcceptedToo()
    {
        var request = Parse("""{ "Data": { "msg": "\"x\"" }, "Metadata": { "DequeueCount": 2, "Id": "abc" } }""");

        Assert.Equal(2, HostInvocationPayload.ToQueueInvocation(StringQueue, request, TimeProvider.System).DequeueCount);
    }

    [Fact]
    public void MessageThatOnlyLooksQuoted_IsKeptAsIs()
    {
        Assert.Equal("\"a\" and \"b\"", HostInvocationPayload.UnwrapJsonString("\"a\" and \"b\""));
    }

    [Fact]
    public void TimerPayload_PastDueFlag_IsRead()
    {
        var timer = new FunctionDefinition("Tick", TriggerKind.Timer, "timer", "0 * * * * *", null, null);
        var request = Parse("""{ "Data": { "timer": { "IsPastDue": true } } }""");

        Assert.True(HostInvocationPayload.ToTimerInvocation(timer, request, TimeProvider.System).IsPastDue);
    }

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    private static HostInvocationRequest Parse(string json) => JsonSerializer.Deserialize<HostInvocationRequest>(json, Json)!;
}
