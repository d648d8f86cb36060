using System.Text.Json.Serialization;
using KetamineOutcomes.Api.Audit;
using KetamineOutcomes.Api.Endpoints;
using KetamineOutcomes.Api.Errors;
using KetamineOutcomes.Api.Fhir;
using KetamineOutcomes.Api.Idempotency;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Api.Metrics;
using KetamineOutcomes.Api.OpenApi;
using KetamineOutcomes.Api.ResponseWatch;
using KetamineOutcomes.Api.Security;
using KetamineOutcomes.Api.Seeding;
using KetamineOutcomes.Api.Webhooks;

// A mistyped flag would be dropped without a word by ASP.NET Core: one line naming it, exit code 1 (README "Configuration").
if (CommandLine.Problem(args) is { } commandLineProblem)
{
    Console.Error.WriteLine(commandLineProblem);
    return 1;
}
var hostArgs = CommandLine.Normalize(args);
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = hostArgs, ContentRootPath = ContentRoot.Resolve(hostArgs) });
// A log level the logging set-up cannot read would end the start in a stack trace: one line, exit code 1.
if (StartupProblem.LogLevels(builder.Configuration) is { } logLevelProblem)
{
    Console.Error.WriteLine(logLevelProblem);
    return 1;
}
// ASP.NET Core's request logs carry full URLs (MRNs in query strings, patient ids in paths): Warning and up only,
// whatever appsettings says, unless a more specific category is set on purpose.
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
// `--backup <file>`: an online backup of the SQLite store, then exit (README "Backups").
if (SqliteBackupCommand.TryRun(args, builder.Configuration, Console.Out, Console.Error) is { } backedUp) return backedUp;
// Metrics settings are read while services are registered (the listener's address): checked before that, one line.
if (MetricsOptions.StartupProblem(builder.Configuration) is { } metricsProblem)
{
    Console.Error.WriteLine(metricsProblem);
    return 1;
}
builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = RequestSizeLimitMiddleware.MaxBodyBytes);
builder.Services.ConfigureHttpJsonOptions(o =>
{
    // Enums only by exact wire name (SPEC v2 Boundaries): JsonStringEnumConverter reads "im,intranasal" as a flags OR.
    o.SerializerOptions.Converters.Add(new WireNameEnumConverterFactory());
    // Numbers only as JSON numbers: the Web defaults read "2" as 2 (AllowReadingFromString).
    o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
    // A field given twice is ambiguous (which answer did the patient mean?): refuse rather than keep the last.
    o.SerializerOptions.AllowDuplicateProperties = false;
    // A field the contract does not have is refused, not dropped: a misspelt "intnet": true would otherwise vanish and
    // the check-in be scored without it.
    o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
    // Field names are matched exactly as the contract spells them (the Web defaults match "ROUTE" and "presystolic").
    o.SerializerOptions.PropertyNameCaseInsensitive = false;
    o.SerializerOptions.Converters.Add(new Rfc3339DateTimeOffsetConverter());
});
// Bad JSON, wrong content type, missing body: throw, so the one exception handler answers with field-named problems.
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
// Under /fhir, problems are written as OperationOutcome (registered before the default problem+json writer).
builder.Services.AddSingleton<IProblemDetailsWriter, OperationOutcomeWriter>();
builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
    c.ProblemDetails.Extensions["traceId"] = c.HttpContext.TraceIdentifier);
builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
builder.Services.AddSingleton(TimeProvider.System);
PublicBaseUrlSetting.Register(builder.Services);
builder.Services.AddOutcomesStore(builder.Configuration);
builder.Services.AddOutcomesReverseProxy();
builder.Services.AddOutcomesSecurity();
builder.Services.AddOutcomesAudit();
builder.Services.AddOutcomesWebhooks();
builder.Services.AddOutcomesResponseWatch();
builder.Services.AddSingleton<IdempotentCreate>();
builder.Services.AddSingleton<DemoCohortSeeder>();
builder.Services.AddOutcomesOpenApi();
// After the store: the metrics listener starts once migrations have run.
builder.Services.AddOutcomesMetrics(builder.Configuration);

var app = builder.Build();
// A setting that cannot be read or is not allowed: one plain line naming it, exit code 1, before anything starts.
if (StartupProblem.Find(app.Services) is { } startupProblem)
{
    Console.Error.WriteLine(startupProblem);
    return 1;
}
// An address Kestrel cannot read or a port another process holds: one line, exit code 1, before anything starts. Only
// for a server that listens on addresses (Kestrel): an in-process test server has none to check.
if (ListenAddresses.ListensOnAddresses(app.Services) && ListenAddresses.StartupProblem(app.Configuration) is { } listenProblem)
{
    Console.Error.WriteLine(listenProblem);
    return 1;
}

// First: the client address and scheme as the configured proxy saw them (ReverseProxy section; none trusted by default).
app.UseForwardedHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseMiddleware<SecurityHeadersMiddleware>();
app.UseMiddleware<RequestSizeLimitMiddleware>();
// The clinician dashboard (wwwroot): static files, no patient data in them; everything it shows comes from the API
// with the key the user enters, so these are served before authentication.
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseSwaggerUI(o =>
{
    o.SwaggerEndpoint("/openapi/v1.json", "KetamineOutcomes v1");
    o.RoutePrefix = "swagger";
});
// Who is calling, how fast, what they touch (audit records refusals too), then whether they may.
app.UseAuthentication();
app.UseRateLimiter();
app.UseMiddleware<AuditMiddleware>();
app.UseAuthorization();
// After who-may (a stranger gets 401, not a hint about media types), before the endpoint reads the body.
app.UseJsonBodyMediaType();

app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
app.MapHealth();
app.MapDashboardConfig();
app.MapFhir();
app.MapSmartConfiguration();

var api = app.MapGroup("/api/v1").RefusesUndeclaredQuery();
api.MapPatients();
api.MapInfusions();
api.MapQuestionnaires();
api.MapCheckins();
api.MapTrends();
api.MapDue();
api.MapMeasurementPlans();
api.MapSafetyAlerts();
api.MapResponseWatch();
api.MapResearch();
api.MapWebhookDeliveries();
api.MapApiKeys();
api.MapAudit();

try
{
    app.Run();
}
catch (IOException e) when (ListenAddresses.Refusal(e) is { } taken)
{
    // The port was taken in the instant after the check above.
    Console.Error.WriteLine(taken);
    return 1;
}
return 0;

/// <summary>Entry point, public for WebApplicationFactory.</summary>
public partial class Program;
