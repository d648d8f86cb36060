using System.Text.Json.Serialization;

namespace KetamineOutcomes.Core.Patients;

public enum Sex
{
    [JsonStringEnumMemberName("female")] Female,
    [JsonStringEnumMemberName("male")] Male,
    [JsonStringEnumMemberName("other")] Other,
    [JsonStringEnumMemberName("unknown")] Unknown,
}

public enum Diagnosis
{
    [JsonStringEnumMemberName("trd")] Trd,
    [JsonStringEnumMemberName("mdd")] Mdd,
    [JsonStringEnumMemberName("bipolar-depression")] BipolarDepression,
    [JsonStringEnumMemberName("ptsd")] Ptsd,
    [JsonStringEnumMemberName("anxiety")] Anxiety,
    [JsonStringEnumMemberName("ocd")] Ocd,
    [JsonStringEnumMemberName("chronic-pain")] ChronicPain,
}

public enum AdministrationRoute
{
    [JsonStringEnumMemberName("iv")] Iv,
    [JsonStringEnumMemberName("im")] Im,
    [JsonStringEnumMemberName("intranasal")] Intranasal,
    [JsonStringEnumMemberName("sublingual")] Sublingual,
    [JsonStringEnumMemberName("oral")] Oral,
}

public enum Drug
{
    [JsonStringEnumMemberName("ketamine")] Ketamine,
    [JsonStringEnumMemberName("esketamine")] Esketamine,
}

public enum SideEffect
{
    [JsonStringEnumMemberName("dissociation")] Dissociation,
    [JsonStringEnumMemberName("nausea")] Nausea,
    [JsonStringEnumMemberName("dizziness")] Dizziness,
    [JsonStringEnumMemberName("headache")] Headache,
    [JsonStringEnumMemberName("sedation")] Sedation,
    [JsonStringEnumMemberName("elevated-blood-pressure")] ElevatedBloodPressure,
    [JsonStringEnumMemberName("other")] Other,
}
