using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace KetamineOutcomes.Core.Plans;

/// <summary>
/// One rule as a client sends it: every field optional, so a missing one is refused by name rather than defaulted.
/// Which fields a rule takes depends on its <paramref name="Anchor"/> (SPEC v2, Measurement plans).
/// </summary>
/// <remarks>Written without the fields its anchor does not take (null), so an answer shows each rule as it is sent.</remarks>
public sealed record PlanRuleDraft(
    [Required] string? Id, [Required] PlanInstrument? Instrument, [Required] RuleAnchor? Anchor,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? WindowDays = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? OffsetHours = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? WindowHours = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<int>? Sessions = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? EveryDays = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PlanPhase? Phase = null)
{
    /// <summary>A valid rule in this shape, only its anchor's fields set: how answers show it and the store keeps it.</summary>
    public static PlanRuleDraft Of(PlanRule rule) => rule switch
    {
        EnrolmentRule r => new(r.Id, r.Instrument, r.Anchor, WindowDays: r.WindowDays),
        AfterInfusionRule r => new(r.Id, r.Instrument, r.Anchor, OffsetHours: r.OffsetHours, WindowHours: r.WindowHours, Sessions: r.Sessions),
        IntervalRule r => new(r.Id, r.Instrument, r.Anchor, EveryDays: r.EveryDays, Phase: r.Phase, WindowDays: r.WindowDays),
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule.GetType().Name, "Unknown rule type."),
    };
}

/// <summary>
/// Turns drafts into rules or names every field that is wrong (paths like <c>rules[2].everyDays</c>). The bounds are
/// ours, not the SPEC's: wide enough for any protocol we know of (DOMAIN.md: boosters every 2–6 weeks, trial
/// timepoints from 40 min to day 28), narrow enough that one patient's schedule stays small to compute.
/// </summary>
public static partial class MeasurementPlanValidation
{
    public const int MaxRules = 50;
    public const int MaxWindowDays = 90;
    public const int MaxEveryDays = 365;
    public const int MaxOffsetHours = 720;
    public const int MaxWindowHours = 720;
    public const int MaxSessionNumber = 100;

    /// <summary>The rules of a valid plan; otherwise <see cref="ClinicalValidationException"/> naming each bad field.</summary>
    public static IReadOnlyList<PlanRule> Parse(IReadOnlyList<PlanRuleDraft?>? rules)
    {
        var errors = new ValidationErrors();
        var parsed = Validate(rules, errors);
        errors.ThrowIfAny();
        return parsed;
    }

    /// <summary>
    /// Adds an error per bad field and returns the rules that passed. 1–<see cref="MaxRules"/> rules; ids unique
    /// (ignoring case) and token-like; each anchor's own fields required, the other anchors' fields refused;
    /// sessions are kept in ascending order. A field <paramref name="errors"/> already names (the body's reader refused
    /// its JSON type and left it null here) is not judged again: no second "Required." under it.
    /// </summary>
    public static IReadOnlyList<PlanRule> Validate(IReadOnlyList<PlanRuleDraft?>? rules, ValidationErrors errors)
    {
        if (rules is null) { Refuse("rules", "Required.", errors); return []; }
        if (rules.Count is 0 or > MaxRules) { errors.Add("rules", $"Must hold 1–{MaxRules} rules."); return []; }
        var parsed = new List<PlanRule>(rules.Count);
        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < rules.Count; i++)
        {
            var path = $"rules[{i}]";
            if (rules[i] is not { } draft) { Refuse(path, "Required.", errors); continue; }
            var before = errors.Count;
            CheckId(draft.Id, path, i, seen, errors);
            var instrument = Known(draft.Instrument, $"{path}.instrument", errors);
            var anchor = Known(draft.Anchor, $"{path}.anchor", errors);
            // Placeholders stand in for a bad id or instrument so each anchor's fields are still checked; the rule
            // is kept only when nothing in it was refused.
            var (id, what) = (draft.Id ?? "", instrument ?? default);
            PlanRule? rule = anchor switch
            {
                RuleAnchor.Enrolment => Enrolment(id, what, draft, path, errors),
                RuleAnchor.AfterInfusion => AfterInfusion(id, what, draft, path, errors),
                RuleAnchor.Interval => Interval(id, what, draft, path, errors),
                _ => Unanchored(draft, path, errors),
            };
            if (errors.Count == before && rule is not null) parsed.Add(rule);
        }
        return parsed;
    }

    private static void CheckId(string? id, string path, int index, Dictionary<string, int> seen, ValidationErrors errors)
    {
        if (id is null) { Refuse($"{path}.id", "Required.", errors); return; }
        if (!IdPattern().IsMatch(id)) { errors.Add($"{path}.id", "Must be 1–40 characters: lowercase letters, digits and '-', starting with a letter or digit."); return; }
        if (seen.TryGetValue(id, out var first)) errors.Add($"{path}.id", $"Already the id of rules[{first}]; ids must be unique.");
        else seen[id] = index;
    }

    private static EnrolmentRule? Enrolment(string id, PlanInstrument instrument, PlanRuleDraft d, string path, ValidationErrors errors)
    {
        NotOf(RuleAnchor.Enrolment, path, errors, ("offsetHours", d.OffsetHours), ("windowHours", d.WindowHours),
            ("sessions", d.Sessions), ("everyDays", d.EveryDays), ("phase", d.Phase));
        var window = InRange(d.WindowDays, 1, MaxWindowDays, $"{path}.windowDays", errors);
        return window is null ? null : new EnrolmentRule(id, instrument, window.Value);
    }

    private static AfterInfusionRule? AfterInfusion(string id, PlanInstrument instrument, PlanRuleDraft d, string path, ValidationErrors errors)
    {
        NotOf(RuleAnchor.AfterInfusion, path, errors, ("windowDays", d.WindowDays), ("everyDays", d.EveryDays), ("phase", d.Phase));
        var offset = InRange(d.OffsetHours, 0, MaxOffsetHours, $"{path}.offsetHours", errors);
        var window = InRange(d.WindowHours, 1, MaxWindowHours, $"{path}.windowHours", errors);
        var sessionsOk = d.Sessions is null || Sessions(d.Sessions, $"{path}.sessions", errors);
        return offset is null || window is null || !sessionsOk
            ? null
            : new AfterInfusionRule(id, instrument, offset.Value, window.Value, d.Sessions?.Order().ToArray());
    }

    private static IntervalRule? Interval(string id, PlanInstrument instrument, PlanRuleDraft d, string path, ValidationErrors errors)
    {
        NotOf(RuleAnchor.Interval, path, errors, ("offsetHours", d.OffsetHours), ("windowHours", d.WindowHours), ("sessions", d.Sessions));
        var every = InRange(d.EveryDays, 1, MaxEveryDays, $"{path}.everyDays", errors);
        var phase = Known(d.Phase, $"{path}.phase", errors);
        var window = InRange(d.WindowDays, 1, MaxWindowDays, $"{path}.windowDays", errors);
        return every is null || phase is null || window is null ? null : new IntervalRule(id, instrument, every.Value, phase.Value, window.Value);
    }

    // Without a known anchor which fields the rule needs is unknown, but a field that is sent is still held to its range,
    // so one 400 names every bad field (README: "every bad field named"). Never a rule.
    private static PlanRule? Unanchored(PlanRuleDraft d, string path, ValidationErrors errors)
    {
        if (d.WindowDays is not null) InRange(d.WindowDays, 1, MaxWindowDays, $"{path}.windowDays", errors);
        if (d.OffsetHours is not null) InRange(d.OffsetHours, 0, MaxOffsetHours, $"{path}.offsetHours", errors);
        if (d.WindowHours is not null) InRange(d.WindowHours, 1, MaxWindowHours, $"{path}.windowHours", errors);
        if (d.EveryDays is not null) InRange(d.EveryDays, 1, MaxEveryDays, $"{path}.everyDays", errors);
        if (d.Sessions is not null) Sessions(d.Sessions, $"{path}.sessions", errors);
        if (d.Phase is not null) Known(d.Phase, $"{path}.phase", errors);
        return null;
    }

    // A field of another anchor is refused, not ignored: "sessions" on an interval rule is a mistake worth naming.
    private static void NotOf(RuleAnchor anchor, string path, ValidationErrors errors, params (string Field, object? Value)[] fields)
    {
        foreach (var (field, value) in fields)
            if (value is not null) errors.Add($"{path}.{field}", $"Not a field of an {WireNames.Of(anchor)} rule.");
    }

    private static bool Sessions(IReadOnlyList<int> sessions, string path, ValidationErrors errors)
    {
        if (sessions.Count == 0) { errors.Add(path, "Leave sessions out for every session; an empty list would never be due."); return false; }
        var ok = true;
        var seen = new HashSet<int>();
        for (var i = 0; i < sessions.Count; i++)
        {
            if (errors.Has($"{path}[{i}]")) ok = false; // refused by the reader; its placeholder is not a session number
            else if (sessions[i] is < 1 or > MaxSessionNumber) { errors.Add($"{path}[{i}]", $"Must be a session number 1–{MaxSessionNumber}."); ok = false; }
            else if (!seen.Add(sessions[i])) { errors.Add($"{path}[{i}]", "Already listed; session numbers must be distinct."); ok = false; }
        }
        return ok;
    }

    private static int? InRange(int? value, int min, int max, string field, ValidationErrors errors)
    {
        if (value is null) { Refuse(field, "Required.", errors); return null; }
        if (value < min || value > max) { errors.Add(field, $"Must be an integer {min}–{max}."); return null; }
        return value;
    }

    private static T? Known<T>(T? value, string field, ValidationErrors errors) where T : struct, Enum
    {
        if (value is null) { Refuse(field, "Required.", errors); return null; }
        if (!WireNames.TryOf(value.Value, out _)) { errors.Add(field, WireNames.MustBeOneOf<T>()); return null; }
        return value;
    }

    // A missing value, unless the reader already refused what was sent there.
    private static void Refuse(string field, string message, ValidationErrors errors)
    {
        if (!errors.Has(field)) errors.Add(field, message);
    }

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{0,39}\z", RegexOptions.CultureInvariant)] // \z: "$" would accept a final "\n"
    private static partial Regex IdPattern();
}
