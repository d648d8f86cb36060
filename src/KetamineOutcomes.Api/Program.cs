using System.Text.Json.Serialization;
using KetamineOutcomes.Api.Audit;
using KetamineOutcomes.Api.Endpoints;
using KetamineOutcomes.Api.Errors;
using KetamineOutcomes.Api.Fhir;
using KetamineOutcomes.Api.Idempotency;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Api.Metrics;
using KetamineOutcomes.Api.OpenApi;
using KetamineOutcomes.Api.Security;
using KetamineOutcomes.Api.Seeding;
using KetamineOutcomes.Api.Webhooks;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = ContentRoot.Resolve(args) });
// ASP.NET Core's request logs carry full URLs (MRNs in query strings, patient ids in paths): Warning and up only,
// whatever appsettings says, unless a more specific category is set on purpose.
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
// `--backup <file>`: an online backup of the SQLite store, then exit (README "Backups").
if (SqliteBackupCommand.TryRun(args, builder.Configuration, Console.Out, Console.Error) is { } backedUp) return backedUp;
// `--seed-demo` is the documented one-flag way to load the synthetic demo cohort.
if (args.Contains("--seed-demo")) builder.Configuration["Seed:Demo"] = "true";
// Absolute links never come from the Host header: without a valid PublicBaseUrl (outside Development) there is no
// address to put in them, so say so in one plain line and stop.
if ((PublicBaseUrl.StartupProblem(builder.Configuration, builder.Environment) ?? StorageOptions.StartupProblem(builder.Configuration)
     ?? MetricsOptions.StartupProblem(builder.Configuration)) is { } startupProblem)
{
    Console.Error.WriteLine(startupProblem);
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
builder.Services.AddSingleton<PublicBaseUrl>();
builder.Services.AddOutcomesStore(builder.Configuration);
builder.Services.AddOutcomesReverseProxy();
builder.Services.AddOutcomesSecurity();
builder.Services.AddOutcomesAudit();
builder.Services.AddOutcomesWebhooks();
builder.Services.AddSingleton<IdempotentCreate>();
builder.Services.AddSingleton<DemoCohortSeeder>();
builder.Services.AddOutcomesOpenApi();
// After the store: the metrics listener starts once migrations have run.
builder.Services.AddOutcomesMetrics(builder.Configuration);

var app = builder.Build();

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

app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
app.MapHealth();
app.MapFhir();

var api = app.MapGroup("/api/v1");
api.MapPatients();
api.MapInfusions();
api.MapQuestionnaires();
api.MapCheckins();
api.MapTrends();
api.MapSafetyAlerts();
api.MapResearch();
api.MapWebhookDeliveries();
api.MapApiKeys();
api.MapAudit();

app.Run();
return 0;

/// <summary>Entry point, public for WebApplicationFactory.</summary>
public partial class Program;
