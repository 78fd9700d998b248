using System.Globalization;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using ClientMonitor.Core.Operations;
using ClientMonitor.Application.Triggers;
using ClientMonitor.Functions.Invocations;
using ClientMonitor.Functions.Standalone;
using ClientMonitor.Infrastructure.Storage;
using ClientMonitor.Application.Health;

namespace ClientMonitor.Functions.Hosting;

public static class FunctionsHosting
{
    public const string ModeSetting = "ClientMonitor:Hosting:Mode";
    public const string PortSetting = "FUNCTIONS_CUSTOMHANDLER_PORT";

    /// <summary>
    /// Reads function.json and host.json from the app root, picks the mode (the host sets
    /// <c>FUNCTIONS_CUSTOMHANDLER_PORT</c>; <c>ClientMonitor:Hosting:Mode</c> overrides), and registers the runner
    /// and, in standalone mode, one trigger service per timer or queue function.
    /// </summary>
    public static HostingMode AddFunctionsHosting(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var appRoot = AppContext.BaseDirectory;
        var catalog = FunctionCatalog.Load(appRoot);
        var settings = HostSettings.Load(Path.Combine(appRoot, "host.json"));
        var mode = ResolveMode(builder.Configuration);

        builder.Services.AddSingleton(catalog);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(new HostingModeInfo(mode));
        builder.Services.AddSingleton<FunctionRunner>();

        if (mode == HostingMode.Functions && builder.Configuration[PortSetting] is { } port)
        {
            // The host talks to the worker on loopback only.
            builder.WebHost.UseUrls(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{int.Parse(port, CultureInfo.InvariantCulture)}"));
        }

        if (mode == HostingMode.Standalone)
        {
            foreach (var function in catalog.All)
            {
                switch (function.Trigger)
                {
                    case TriggerKind.Timer:
                        builder.Services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<TimerTriggerService>(sp, function));
                        break;
                    case TriggerKind.Queue:
                        builder.Services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<QueueListenerService>(sp, function));
                        break;
                }
            }
        }

        return mode;
    }

    /// <summary>Fails start-up when function.json files and handlers disagree; maps the host's invocation endpoints in Functions mode.</summary>
    public static WebApplication UseFunctionsHosting(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Services.GetRequiredService<FunctionRunner>().EnsureMatches(app.Services.GetRequiredService<FunctionCatalog>());
        if (app.Services.GetRequiredService<HostingModeInfo>().Mode == HostingMode.Functions)
        {
            // Only the host may post invocations; in standalone mode these routes do not exist.
            app.MapFunctionInvocations();
        }

        return app;
    }

    internal static HostingMode ResolveMode(IConfiguration configuration)
    {
        var configured = configuration[ModeSetting];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Enum.TryParse<HostingMode>(configured, ignoreCase: true, out var mode)
                ? mode
                : throw new InvalidOperationException($"{ModeSetting} is '{configured}'; use Functions or Standalone.");
        }

        return string.IsNullOrEmpty(configuration[PortSetting]) ? HostingMode.Standalone : HostingMode.Functions;
    }
}
