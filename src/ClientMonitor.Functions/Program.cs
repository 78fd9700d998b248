using ClientMonitor.Functions.Api;
using ClientMonitor.Functions.Cli;
using ClientMonitor.Functions.Demo;
using ClientMonitor.Functions.Health;
using ClientMonitor.Functions.Hosting;
using ClientMonitor.Functions.Notifications;
using ClientMonitor.Functions.Pipeline;
using ClientMonitor.Functions.Reports;
using ClientMonitor.Functions.Scheduling;
using ClientMonitor.Functions.Storage;

if (CommandLine.IsCommand(args))
{
    return await CommandLine.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddFunctionsHosting();
builder.Services.AddClientMonitorStorage();
builder.Services.AddMonitoringPipeline();
builder.Services.AddScheduling();
builder.Services.AddNotifications();
builder.Services.AddReports();
builder.Services.AddClientMonitorApi(builder.Configuration);
builder.Services.AddClientMonitorHealth();
builder.Services.AddDemoRun(builder.Configuration);

var app = builder.Build();

app.UseFunctionsHosting();
app.UseClientMonitorApi();
app.MapClientMonitorHealth();

await app.RunAsync();
return 0;

/// <summary>The worker's entry point; public so that tests can host it.</summary>
public partial class Program;
