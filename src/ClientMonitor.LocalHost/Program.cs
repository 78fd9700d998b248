using ClientMonitor.Application.Cli;
using ClientMonitor.LocalHost;

if (CommandLine.IsCommand(args))
{
    return await CommandLine.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddLocalFunctionsHost();

var app = builder.Build();
app.MapHttpFunctions();

await app.RunAsync();
return 0;
