using System.Text.Json;
using KetamineOutcomes.Core;
using KetamineOutcomes.Data.Stores;
using Microsoft.AspNetCore.Diagnostics;
using KetamineOutcomes.Api.Infrastructure;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace KetamineOutcomes.Api.Errors;

/// <summary>
/// The one place where exceptions become HTTP problems (RFC 9457). Deeper layers throw typed exceptions that know
/// nothing of HTTP; anything unknown is a 500 that never carries a stack trace or SQL.
/// </summary>
internal sealed class ProblemExceptionHandler(
    IProblemDetailsService problems, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, IOptions<StorageOptions> storage,
    ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        var problem = Map(exception, RequestTypeOf(http), json.Value.SerializerOptions);
        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
            logger.StoreUnavailable(http.Request.Method, RouteOf(http));
        else if (problem.Status >= 500)
            logger.UnhandledError(exception, http.Request.Method, RouteOf(http));
        else
            logger.Refused(problem.Status!.Value, problem.Title);
        http.Response.StatusCode = problem.Status!.Value;
        // Every 503 here is the store not taking the request in time (RFC 9110 §10.2.3): come back after one more timeout.
        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
            http.Response.Headers.RetryAfter = storage.Value.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception }).ConfigureAwait(false);
    }

    // The route pattern, not the path: paths carry patient ids, which stay out of logs.
    private static string RouteOf(HttpContext http) =>
        (http.Features.Get<IExceptionHandlerFeature>()?.Endpoint as RouteEndpoint)?.RoutePattern.RawText ?? "(no endpoint)";

    // The body's declared type (Accepts<T> or the inferred body parameter), to say what a refused JSON value should be.
    private static Type? RequestTypeOf(HttpContext http) =>
        http.Features.Get<IExceptionHandlerFeature>()?.Endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;

    /// <param name="requestType">The endpoint's body type, if known: refused JSON values then say what was expected.</param>
    /// <param name="jsonOptions">The options the body was read with (their contract is walked along the error's path).</param>
    internal static ProblemDetails Map(Exception exception, Type? requestType = null, JsonSerializerOptions? jsonOptions = null) => exception switch
    {
        ClinicalValidationException v => Validation(v.Errors),
        BadHttpRequestException { InnerException: JsonException json } => JsonRefused(json, requestType, jsonOptions),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => Problem(413, "Payload too large", RequestSizeLimitMiddleware.TooLargeDetail),
        BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } => Problem(415, "Unsupported media type", "Send the body as application/json."),
        // The framework's "no body was provided" messages (explicit or inferred body parameter).
        BadHttpRequestException { StatusCode: 400 } b when b.Message.Contains("body", StringComparison.OrdinalIgnoreCase) => Validation(new Dictionary<string, string[]> { ["body"] = ["A JSON body is required."] }),
        BadHttpRequestException b => Problem(b.StatusCode, "Bad request", "The request could not be read."),
        NotAcceptableException n => Problem(406, "Not acceptable", n.Message),
        ForbiddenException f => Problem(403, "Forbidden", f.Message),
        ResourceNotFoundException nf => Problem(404, "Not found", nf.Message),
        DuplicateMrnException d => Problem(409, "Duplicate MRN", d.Message),
        StateConflictException c => Problem(409, c.Title, c.Message),
        PreconditionRequiredException r => Problem(428, "Precondition required", r.Message),
        PreconditionFailedException f => Problem(412, "Precondition failed", f.Message),
        UnprocessableContentException u => new ProblemDetails
        {
            Status = 422, Title = "Unprocessable content", Detail = u.Message,
            Extensions = { ["errors"] = new Dictionary<string, string[]> { [u.Field] = [u.Message] } },
        },
        UnsupportedMediaTypeException m => Problem(415, UnsupportedMediaTypeException.Title, m.Message),
        IdempotencyKeyReusedException r => Problem(422, "Idempotency-Key reused", r.Message),
        IdempotencyLeaseLostException l => Problem(409, "Idempotency-Key in use", l.Message),
        _ when exception is KetamineOutcomes.Data.Infrastructure.StoreUnavailableException
               || KetamineOutcomes.Data.Infrastructure.NpgsqlConnectionFactory.IsLockNotAvailable(exception) => Problem(503, "Store unavailable",
            "The store did not take this request within its time limit, so nothing was stored and no patient data was returned. Retry after the Retry-After seconds."),
        KetamineOutcomes.Data.Infrastructure.CommitOutcomeUnknownException => Problem(503, "Outcome unknown",
            "The store failed while committing. Retry with the same Idempotency-Key: a stored record is then replayed, never duplicated."),
        OperationCanceledException => Problem(499, "Client closed request", "The request was cancelled."),
        _ => Problem(500, "Internal server error", "An unexpected error occurred. Quote the traceId when reporting it."),
    };

    internal static ProblemDetails Validation(IReadOnlyDictionary<string, string[]> errors) => new()
    {
        Status = 400,
        Title = "One or more validation errors occurred.",
        Type = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        Extensions = { ["errors"] = errors },
    };

    private static ProblemDetails Problem(int status, string title, string detail) => new() { Status = status, Title = title, Detail = detail };

    private static ProblemDetails JsonRefused(JsonException json, Type? requestType, JsonSerializerOptions? options)
    {
        var (field, message) = JsonRefusal.Describe(json, requestType, options ?? JsonSerializerOptions.Web);
        return Validation(new Dictionary<string, string[]> { [field] = [message] });
    }
}
