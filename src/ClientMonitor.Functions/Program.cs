using ClientMonitor.Application;
using ClientMonitor.Application.Api;
using ClientMonitor.Application.Cli;
using ClientMonitor.Application.Health;
using ClientMonitor.Application.Triggers;
using ClientMonitor.Functions.Hosting;
using ClientMonitor.Functions.Invocations;

if (CommandLine.IsCommand(args))
{
    return await CommandLine.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddFunctionsHosting();
builder.Services.AddClientMonitor(builder.Configuration);
builder.Services.AddSingleton<IQueueFunction, MonitorClientFunction>();

var app = builder.Build();

app.UseFunctionsHosting();
app.UseClientMonitorApi();
app.MapClientMonitorHealth();

await app.RunAsync();
return 0;

/// <summary>The worker's entry point; public so that tests can host it.</summary>
public partial class Program;
