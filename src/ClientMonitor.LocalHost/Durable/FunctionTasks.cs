using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.DurableTask.Converters;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClientMonitor.LocalHost.Durable;

/// <summary>
/// Registers the orchestration and activity functions of <c>functions.metadata</c> with the Durable Task worker, by
/// their function names, so that the engine runs the same <c>[Function]</c> methods as Durable Functions does.
/// </summary>
public static class FunctionTasks
{
    public static DurableTaskRegistry AddFunctions(this DurableTaskRegistry registry, IEnumerable<FunctionInvoker> functions)
    {
        ArgumentNullException.ThrowIfNull(registry);
        foreach (var function in functions)
        {
            switch (function.Function.Trigger.Type)
            {
                case "orchestrationTrigger":
                    registry.AddOrchestrator(function.Function.Name, () => new FunctionOrchestrator(function));
                    break;
                case "activityTrigger":
                    registry.AddActivity(function.Function.Name, services => new FunctionActivity(function, services, services.GetRequiredService<ClientMonitor.Application.Triggers.HostSettings>().FunctionTimeout));
                    break;
            }
        }

        return registry;
    }

    /// <summary>An activity function: its trigger parameter is the input, run in a scope of the app's services within the function timeout.</summary>
    private sealed class FunctionActivity(FunctionInvoker function, IServiceProvider services, TimeSpan timeout) : ITaskActivity
    {
        public Type InputType => function.TriggerType;

        public Type OutputType => function.ResultType == typeof(void) ? typeof(object) : function.ResultType;

        public async Task<object?> RunAsync(TaskActivityContext context, object? input)
        {
            await using var scope = services.CreateAsyncScope();
            using var limit = new CancellationTokenSource(timeout);
            return await function.InvokeAsync(scope.ServiceProvider, input, limit.Token);
        }
    }

    /// <summary>
    /// An orchestrator function. Its method reads its input with <c>context.GetInput&lt;T&gt;()</c>, whose type the
    /// metadata does not say, so the input is kept as JSON and converted to what the function asks for, with the
    /// SDK's default data converter, as the worker uses it. Orchestrators touch no services (they must be deterministic).
    /// </summary>
    private sealed class FunctionOrchestrator(FunctionInvoker function) : ITaskOrchestrator
    {
        public Type InputType => typeof(JsonElement?);

        public Type OutputType => function.ResultType == typeof(void) ? typeof(object) : function.ResultType;

        public Task<object?> RunAsync(TaskOrchestrationContext context, object? input)
        {
            var wrapped = new JsonInputContext(context, (input as JsonElement?)?.GetRawText(), JsonDataConverter.Default, NullLoggerFactory.Instance);
            return function.InvokeAsync(EmptyServices.Instance, wrapped, CancellationToken.None);
        }
    }

    /// <summary>No services: an orchestrator function is static or has a parameterless constructor.</summary>
    private sealed class EmptyServices : IServiceProvider
    {
        public static readonly EmptyServices Instance = new();

        public object? GetService(Type serviceType) => null;
    }

    /// <summary>The engine's orchestration context with the input converted on request; everything else is the engine's.</summary>
    private sealed class JsonInputContext(TaskOrchestrationContext inner, string? input, DataConverter converter, ILoggerFactory loggers) : TaskOrchestrationContext
    {
        public override TaskName Name => inner.Name;

        public override string InstanceId => inner.InstanceId;

        public override ParentOrchestrationInstance? Parent => inner.Parent;

        public override DateTime CurrentUtcDateTime => inner.CurrentUtcDateTime;

        public override bool IsReplaying => inner.IsReplaying;

        public override string Version => inner.Version;

        public override IReadOnlyDictionary<string, object?> Properties => inner.Properties;

        public override TaskOrchestrationEntityFeature Entities => inner.Entities;

        protected override ILoggerFactory LoggerFactory => loggers;

        public override T GetInput<T>() => input is null ? default! : converter.Deserialize<T>(input)!;

        public override Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null)
            => inner.CallActivityAsync<TResult>(name, input, options);

        public override Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, object? input = null, TaskOptions? options = null)
            => inner.CallSubOrchestratorAsync<TResult>(orchestratorName, input, options);

        public override Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken) => inner.CreateTimer(fireAt, cancellationToken);

        public override Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default) => inner.WaitForExternalEvent<T>(eventName, cancellationToken);

        public override void SendEvent(string instanceId, string eventName, object payload) => inner.SendEvent(instanceId, eventName, payload);

        public override void SetCustomStatus(object? customStatus) => inner.SetCustomStatus(customStatus);

        public override void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true) => inner.ContinueAsNew(newInput, preserveUnprocessedEvents);

        public override Guid NewGuid() => inner.NewGuid();
    }
}
