using ClientMonitor.Application.Cli;
using ClientMonitor.LocalHost;

if (CommandLine.IsCommand(args))
{
    return await CommandLine.RunAsync(args);
}

// Settings (appsettings*.json) come from the build folder, whatever the working directory it is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddLocalFunctionsHost();

var app = builder.Build();
app.MapHttpFunctions();

await app.RunAsync();
return 0;
