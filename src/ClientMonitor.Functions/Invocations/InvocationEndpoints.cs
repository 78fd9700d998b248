using ClientMonitor.Application.Triggers;
using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using ClientMonitor.Core.Operations;
using ClientMonitor.Functions.Hosting;
using ClientMonitor.Infrastructure.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClientMonitor.Functions.Invocations;

/// <summary>
/// The endpoints the Functions host POSTs timer and queue invocations to: <c>/{FunctionName}</c>, one per non-HTTP
/// function.json. They answer 200 with a JSON body on success and 500 with a JSON body on failure, so that the host
/// completes the invocation either way and retries (then poisons) a failed queue message.
/// </summary>
public static partial class InvocationEndpoints
{
    private static readonly JsonSerializerOptions RequestJson = new() { PropertyNameCaseInsensitive = true };

    public static IEndpointRouteBuilder MapFunctionInvocations(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var catalog = endpoints.ServiceProvider.GetRequiredService<FunctionCatalog>();
        foreach (var function in catalog.All.Where(f => f.Trigger != TriggerKind.Http))
        {
            endpoints.MapPost("/" + function.Name, (HttpContext context, FunctionRunner runner, PoisonMessageStore poison, HostSettings settings, TimeProvider time, ILoggerFactory loggers)
                    => InvokeAsync(function, context, runner, poison, settings, time, loggers.CreateLogger(typeof(InvocationEndpoints))))
                .WithName("Invoke" + function.Name)
                .ExcludeFromDescription();
        }

        return endpoints;
    }

    private static async Task<JsonHttpResult<HostInvocationResponse>> InvokeAsync(FunctionDefinition function, HttpContext context, FunctionRunner runner, PoisonMessageStore poison, HostSettings settings, TimeProvider time, ILogger logger)
    {
        var cancellationToken = context.RequestAborted;
        HostInvocationRequest request;
        try
        {
            request = await JsonSerializer.DeserializeAsync<HostInvocationRequest>(context.Request.Body, RequestJson, cancellationToken)
                ?? new HostInvocationRequest();
        }
        catch (JsonException ex)
        {
            return Failure($"The invocation body is not valid JSON: {ex.Message}");
        }

        if (function.Trigger == TriggerKind.Timer)
        {
            try
            {
                await runner.RunTimerAsync(HostInvocationPayload.ToTimerInvocation(function, request, time), cancellationToken);
                return Success($"{function.Name} completed");
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return Failure($"{function.Name} failed: {ex.Message}");
            }
        }

        QueueInvocation? invocation = null;
        try
        {
            invocation = HostInvocationPayload.ToQueueInvocation(function, request, time);
            await runner.RunQueueAsync(invocation, cancellationToken);
            return Success($"{function.Name} processed message {invocation.MessageId}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The host moves the message to <queue>-poison after its last try, but records no reason: keep it here.
            var (messageId, dequeueCount, _) = HostInvocationPayload.ReadQueueMetadata(request, time);
            if (dequeueCount >= settings.MaxDequeueCount || ex is InvalidMessageException)
            {
                var text = invocation?.MessageText
                    ?? (request.Data is { } data && data.TryGetValue(function.BindingName, out var raw) ? raw.GetRawText() : string.Empty);
                await RecordPoisonReasonAsync(function, messageId, dequeueCount, text, ex, poison, logger, cancellationToken);
            }

            return Failure($"{function.Name} failed: {ex.Message}");
        }
    }

    private static async Task RecordPoisonReasonAsync(FunctionDefinition function, string messageId, long dequeueCount, string text, Exception failure, PoisonMessageStore poison, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            await poison.RecordAsync(function.QueueName!, messageId, dequeueCount, failure.Message, text, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The host still poisons the message; only the reason is missing, and the log keeps it.
            Log.PoisonReasonNotRecorded(logger, function.Name, failure.Message, ex);
        }
    }

    private static JsonHttpResult<HostInvocationResponse> Success(string log)
        => TypedResults.Json(new HostInvocationResponse { Logs = [log] });

    private static JsonHttpResult<HostInvocationResponse> Failure(string log)
        => TypedResults.Json(new HostInvocationResponse { Logs = [log] }, statusCode: StatusCodes.Status500InternalServerError);

    private static partial class Log
    {
        [LoggerMessage(1101, LogLevel.Error, "Could not record why {Function} failed for the last time ({Reason})")]
        public static partial void PoisonReasonNotRecorded(ILogger logger, string function, string reason, Exception exception);
    }
}
