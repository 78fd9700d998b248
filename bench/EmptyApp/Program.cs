// The empty ASP.NET Core app whose start → first 200 is the reference for the local host's startup (scripts/bench.sh).
var app = WebApplication.CreateBuilder(args).Build();
app.MapGet("/api/health/live", () => "Healthy");
await app.RunAsync();
