using System.Text.Json;
using KetamineOutcomes.Api.Infrastructure;

namespace KetamineOutcomes.Api.Corrections;

/// <summary>
/// The JSON of a superseded version in <c>record_versions.body</c>: the stored record (QuestionnaireRecord and so on),
/// enums by their wire names. The history endpoint reads it back and maps it through the same mapper as the GET, so a
/// version shows exactly as the record would.
/// </summary>
internal static class RecordBodies
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new WireNameEnumConverterFactory() } };

    public static string Serialize<T>(T record) => JsonSerializer.Serialize(record, Json);

    public static T Deserialize<T>(string body) =>
        JsonSerializer.Deserialize<T>(body, Json) ?? throw new InvalidOperationException($"A stored {typeof(T).Name} version is empty.");
}
