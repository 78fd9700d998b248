using ClientMonitor.Functions.Functions;
using ClientMonitor.Functions.Health;
using ClientMonitor.Functions.Hosting;
using ClientMonitor.Functions.Storage;

var builder = WebApplication.CreateBuilder(args);

builder.AddFunctionsHosting();
builder.Services.AddClientMonitorStorage();
builder.Services.AddFoundationFunctions();
builder.Services.AddClientMonitorHealth();

var app = builder.Build();

app.UseFunctionsHosting();
app.MapClientMonitorHealth();

app.Run();

/// <summary>The worker's entry point; public so that tests can host it.</summary>
public partial class Program;
