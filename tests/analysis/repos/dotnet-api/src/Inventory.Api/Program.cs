var builder = WebApplication.CreateBuilder(args);
builder.Services.AddHealthChecks();
var redis = Environment.GetEnvironmentVariable("REDIS_CONNECTION");

var app = builder.Build();
app.MapHealthChecks("/healthz");
app.MapGet("/items", () => Results.Ok(Array.Empty<string>()));
app.Run();
