using ClientMonitor.Application;
using ClientMonitor.Application.Cli;
using ClientMonitor.Application.Health;
using ClientMonitor.Functions;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

if (CommandLine.IsCommand(args))
{
    return await CommandLine.RunAsync(args);
}

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.AddWorkerTelemetry();
builder.Services.AddClientMonitor(builder.Configuration);
builder.Services.AddSingleton(new HostingModeInfo(HostingMode.Functions));

await builder.Build().RunAsync();
return 0;
