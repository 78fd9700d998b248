using ClientMonitor.Functions;
using ClientMonitor.Functions.Api;
using ClientMonitor.Functions.Cli;
using ClientMonitor.Functions.Health;
using ClientMonitor.Functions.Hosting;

if (CommandLine.IsCommand(args))
{
    return await CommandLine.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddClientMonitor();

var app = builder.Build();

app.UseFunctionsHosting();
app.UseClientMonitorApi();
app.MapClientMonitorHealth();

await app.RunAsync();
return 0;

/// <summary>The worker's entry point; public so that tests can host it.</summary>
public partial class Program;
