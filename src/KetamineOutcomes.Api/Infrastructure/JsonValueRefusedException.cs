using System.Text.Json;

namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>
/// A JSON value our converters refuse, carrying the message the client sees under the field's name (e.g. "Must be one
/// of: iv, im, intranasal, sublingual, oral."). System.Text.Json fills in <see cref="JsonException.Path"/> and keeps the
/// message as given; <see cref="Errors.ProblemExceptionHandler"/> answers it as a 400 naming the field (SPEC v2 Boundaries).
/// </summary>
public sealed class JsonValueRefusedException(string expected) : JsonException(expected);
