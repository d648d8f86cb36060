-- Corrections (issue 20; SPEC v2 "Corrections"): records are amended or marked entered-in-error, never deleted.
-- Each record carries its current version, when it became current (last_updated, microseconds like created_at),
-- who made it current (changed_by: the actor as JSON {"type","id","name"}, null for records stored before this
-- migration) and why (change_reason; null for version 1). Superseded versions are copied whole into record_versions
-- in the transaction that supersedes them, so the current row is always the newest version and the two cannot disagree;
-- a first submission writes no history row (the insert path stays one row).
-- Every existing record becomes version 1, final, last updated when it was created.
ALTER TABLE questionnaires ADD COLUMN version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1);
ALTER TABLE questionnaires ADD COLUMN last_updated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE questionnaires ADD COLUMN changed_by TEXT NULL;
ALTER TABLE questionnaires ADD COLUMN change_reason TEXT NULL;
UPDATE questionnaires SET last_updated = created_at;

ALTER TABLE suicidality_checkins ADD COLUMN version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1);
ALTER TABLE suicidality_checkins ADD COLUMN last_updated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE suicidality_checkins ADD COLUMN changed_by TEXT NULL;
ALTER TABLE suicidality_checkins ADD COLUMN change_reason TEXT NULL;
UPDATE suicidality_checkins SET last_updated = created_at;

ALTER TABLE infusions ADD COLUMN status TEXT NOT NULL DEFAULT 'final'
    CHECK (status IN ('final', 'amended', 'entered-in-error'));
ALTER TABLE infusions ADD COLUMN version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1);
ALTER TABLE infusions ADD COLUMN last_updated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE infusions ADD COLUMN changed_by TEXT NULL;
ALTER TABLE infusions ADD COLUMN change_reason TEXT NULL;
UPDATE infusions SET last_updated = created_at;

-- Patients already carry updated_at (their last_updated); they are amended, never entered in error.
ALTER TABLE patients ADD COLUMN version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1);
ALTER TABLE patients ADD COLUMN changed_by TEXT NULL;
ALTER TABLE patients ADD COLUMN change_reason TEXT NULL;

-- An alert is never removed; when its source record is amended or entered in error it says so.
ALTER TABLE safety_alerts ADD COLUMN source_status TEXT NULL CHECK (source_status IN ('amended', 'entered-in-error'));

-- Superseded versions, append-only. body is the record's values at that version, as the API showed them (JSON).
CREATE TABLE record_versions (
    record_type   TEXT    NOT NULL CHECK (record_type IN ('patient', 'questionnaire', 'suicidality-checkin', 'infusion')),
    record_id     TEXT    NOT NULL,
    version       INTEGER NOT NULL CHECK (version >= 1),
    patient_id    TEXT    NOT NULL REFERENCES patients (id),
    status        TEXT    NULL CHECK (status IN ('final', 'amended', 'entered-in-error')), -- null for patients
    changed_at    INTEGER NOT NULL, -- when this version became current
    changed_by    TEXT    NULL,
    change_reason TEXT    NULL,
    body          TEXT    NOT NULL,
    PRIMARY KEY (record_type, record_id, version)
) WITHOUT ROWID, STRICT;
CREATE TRIGGER record_versions_no_update BEFORE UPDATE ON record_versions
BEGIN
    SELECT RAISE(ABORT, 'record_versions is append-only');
END;
CREATE TRIGGER record_versions_no_delete BEFORE DELETE ON record_versions
BEGIN
    SELECT RAISE(ABORT, 'record_versions is append-only');
END;
