-- Site measurement plans (issue 21; SPEC v2 "Measurement plans": versioned, a change applies from then on).
-- Append-only: each PUT adds version n+1 and no version is ever changed or removed, so what governed any past
-- occurrence stays readable. A version governs the occurrences whose dueAt falls from its created_at (microseconds,
-- never before the previous version's) until the next version's; the default plan (in code, version 0) those before
-- version 1. changed_by is the actor as JSON {"type","id","name"}, as in migration 0013; rules is the JSON array of
-- rules as the API shows them. A site without rows has the default plan.
CREATE TABLE measurement_plans (
    site_id    TEXT    NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    created_at INTEGER NOT NULL,
    changed_by TEXT    NOT NULL,
    rules      TEXT    NOT NULL,
    PRIMARY KEY (site_id, version)
) WITHOUT ROWID, STRICT;
CREATE TRIGGER measurement_plans_no_update BEFORE UPDATE ON measurement_plans
BEGIN
    SELECT RAISE(ABORT, 'measurement_plans is append-only');
END;
CREATE TRIGGER measurement_plans_no_delete BEFORE DELETE ON measurement_plans
BEGIN
    SELECT RAISE(ABORT, 'measurement_plans is append-only');
END;
