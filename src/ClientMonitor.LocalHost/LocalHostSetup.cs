using ClientMonitor.Application;
using ClientMonitor.Application.Api;
using ClientMonitor.Application.Health;
using ClientMonitor.Application.Storage;
using ClientMonitor.Application.Triggers;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Durable;
using ClientMonitor.LocalHost.Durable;
using ClientMonitor.LocalHost.Triggers;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Grpc;
using Microsoft.Extensions.Options;

namespace ClientMonitor.LocalHost;

/// <summary>
/// Settings of the local host (section <c>LocalHost</c>). The Durable engine's visibility timeouts are how long a
/// killed host's in-flight work waits before it is picked up again; tests shorten them.
/// </summary>
public sealed class LocalHostOptions
{
    public const string Section = "LocalHost";

    /// <summary>Fire the timers and listen to the queues (off in tests that drive functions themselves).</summary>
    public bool Triggers { get; set; } = true;

    /// <summary>Default: the function timeout of host.json, so that an activity still running is never taken twice.</summary>
    public int? WorkItemVisibilitySeconds { get; set; }

    public int ControlQueueVisibilitySeconds { get; set; } = 300;
}

/// <summary>
/// Names the local host's assembly for tests (<c>WebApplicationFactory&lt;LocalHostEntryPoint&gt;</c> runs its
/// Program): "Program" alone would be ambiguous, since the Functions app has one too.
/// </summary>
public sealed class LocalHostEntryPoint;

public static class LocalHostSetup
{
    /// <summary>The app's services, the functions of <c>functions.metadata</c>, their triggers and the Durable engine.</summary>
    public static WebApplicationBuilder AddLocalFunctionsHost(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var functions = FunctionsMetadata.Load(AppContext.BaseDirectory).Select(f => new FunctionInvoker(f)).ToList();
        var options = builder.Configuration.GetSection(LocalHostOptions.Section).Get<LocalHostOptions>() ?? new LocalHostOptions();
        builder.Services.AddSingleton<IReadOnlyList<FunctionInvoker>>(functions);
        builder.Services.AddClientMonitor(builder.Configuration);
        builder.Services.AddSingleton(new HostingModeInfo(HostingMode.Local));

        // The Durable engine: in the background, before the worker (hosted services start in order).
        builder.Services.AddSingleton(sp => new LocalDurableEngineHost(
            port => new LocalDurableEngineOptions(StorageSetup.TaskHubStorage(sp.GetRequiredService<IOptions<StorageOptions>>().Value), TaskHub.Name(builder.Configuration))
            {
                WorkItemVisibility = options.WorkItemVisibilitySeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : sp.GetRequiredService<HostSettings>().FunctionTimeout,
                ControlQueueVisibility = TimeSpan.FromSeconds(options.ControlQueueVisibilitySeconds),
                Port = port,
            },
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<IHostApplicationLifetime>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LocalDurableEngineHost>());
        builder.Services.AddDurableTaskWorker(worker => worker.AddTasks(tasks => tasks.AddFunctions(functions)).UseGrpc());
        builder.Services.AddOptions<GrpcDurableTaskWorkerOptions>(Options.DefaultName).Configure<LocalDurableEngineHost>((grpc, engine) => grpc.Channel = engine.Channel);
        builder.Services.AddDurableTaskClient(client => client.UseGrpc());
        builder.Services.AddOptions<GrpcDurableTaskClientOptions>(Options.DefaultName).Configure<LocalDurableEngineHost>((grpc, engine) => grpc.Channel = engine.Channel);
        // Services outside any function (the demo run) launch job runs through the same client.
        builder.Services.AddSingleton<IJobRunLauncher>(sp => new ReadyLauncher(sp.GetRequiredService<LocalDurableEngineHost>(), new DurableJobRunLauncher(sp.GetRequiredService<DurableTaskClient>())));

        if (options.Triggers)
        {
            foreach (var function in functions)
            {
                switch (function.Function.Trigger.Type)
                {
                    case "timerTrigger":
                        builder.Services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<TimerTriggerService>(sp, function));
                        break;
                    case "queueTrigger":
                        builder.Services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<QueueListenerService>(sp, function));
                        break;
                }
            }
        }

        return builder;
    }

    /// <summary>
    /// Each HTTP function on its route under <c>/api</c> and its methods. Overlapping routes are resolved by ASP.NET's
    /// precedence here, by function name under the Functions host; a test keeps the two in agreement.
    /// </summary>
    public static WebApplication MapHttpFunctions(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // A path no function serves (404) or a method it does not take (405) is answered with problem details too.
        app.UseStatusCodePages();
        foreach (var function in app.Services.GetRequiredService<IReadOnlyList<FunctionInvoker>>().Where(f => f.Function.Trigger.Type == "httpTrigger"))
        {
            var trigger = function.Function.Trigger;
            var pattern = "/" + ApiEndpoints.RoutePrefix + "/" + (trigger.Route ?? function.Function.Name);
            RequestDelegate invoke = async context =>
            {
                var result = await function.InvokeAsync(context.RequestServices, context.Request, context.RequestAborted);
                await FunctionInvoker.WriteResultAsync(context, result);
            };

            // No methods listed: the Functions host accepts every method.
            var endpoint = trigger.Methods is { Count: > 0 } methods
                ? app.MapMethods(pattern, methods.Select(m => m.ToUpperInvariant()).ToList(), invoke)
                : app.Map(pattern, invoke);
            endpoint.WithDisplayName(function.Function.Name).ExcludeFromDescription();
        }

        return app;
    }
}

/// <summary>Launches once the engine is ready (the demo run may start before it is).</summary>
internal sealed class ReadyLauncher(LocalDurableEngineHost engine, IJobRunLauncher launcher) : IJobRunLauncher
{
    public async Task LaunchAsync(JobRun jobRun, IReadOnlyList<string> clientIds, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        await engine.Ready.WaitAsync(cancellationToken);
        await launcher.LaunchAsync(jobRun, clientIds, deadline, cancellationToken);
    }

    public async Task<string?> GetRuntimeStatusAsync(string jobRunId, CancellationToken cancellationToken)
    {
        await engine.Ready.WaitAsync(cancellationToken);
        return await launcher.GetRuntimeStatusAsync(jobRunId, cancellationToken);
    }
}
