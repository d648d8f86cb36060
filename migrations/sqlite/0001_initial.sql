-- KetamineOutcomes schema, SQLite dialect.
-- Times are INTEGER microseconds since the Unix epoch (UTC): exact instant comparison, index-friendly,
-- and the same precision as PostgreSQL timestamptz. Ids are lowercase UUID text.
-- Enumerations are stored as their wire names and checked here, so a bad value can never land.
-- STRICT tables: a value of the wrong type is an error, never silently stored as text.

CREATE TABLE patients (
    id               TEXT    NOT NULL PRIMARY KEY,
    site_id          TEXT    NULL,
    mrn              TEXT    NULL,
    birth_year       INTEGER NULL,
    sex              TEXT    NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
    research_consent INTEGER NOT NULL CHECK (research_consent IN (0, 1)),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;
-- An MRN is unique within its site; patients without a site share one namespace.
CREATE UNIQUE INDEX ux_patients_site_mrn ON patients (COALESCE(site_id, ''), mrn) WHERE mrn IS NOT NULL;
CREATE INDEX ix_patients_mrn ON patients (mrn) WHERE mrn IS NOT NULL;
CREATE INDEX ix_patients_site ON patients (site_id, id);

CREATE TABLE patient_diagnoses (
    patient_id TEXT NOT NULL REFERENCES patients (id),
    diagnosis  TEXT NOT NULL CHECK (diagnosis IN ('trd', 'mdd', 'bipolar-depression', 'ptsd', 'anxiety', 'ocd', 'chronic-pain')),
    PRIMARY KEY (patient_id, diagnosis)
) WITHOUT ROWID, STRICT;

CREATE TABLE infusions (
    id                 TEXT    NOT NULL PRIMARY KEY,
    patient_id         TEXT    NOT NULL REFERENCES patients (id),
    administered_at    INTEGER NOT NULL,
    route              TEXT    NOT NULL CHECK (route IN ('iv', 'im', 'intranasal', 'sublingual', 'oral')),
    drug               TEXT    NOT NULL CHECK (drug IN ('ketamine', 'esketamine')),
    dose_mg            REAL    NULL,
    dose_mg_per_kg     REAL    NULL,
    duration_minutes   INTEGER NULL,
    bp_pre_systolic    INTEGER NULL,
    bp_pre_diastolic   INTEGER NULL,
    bp_post_systolic   INTEGER NULL,
    bp_post_diastolic  INTEGER NULL,
    side_effects       TEXT    NOT NULL DEFAULT '[]', -- JSON array of wire names
    notes              TEXT    NULL,
    created_at         INTEGER NOT NULL
) STRICT;
CREATE INDEX ix_infusions_patient_time ON infusions (patient_id, administered_at, id);

CREATE TABLE questionnaires (
    id           TEXT    NOT NULL PRIMARY KEY,
    patient_id   TEXT    NOT NULL REFERENCES patients (id),
    instrument   TEXT    NOT NULL CHECK (instrument IN ('phq9', 'gad7')),
    completed_at INTEGER NOT NULL,
    items        TEXT    NOT NULL, -- JSON array of 0–3 or null, in instrument order
    difficulty   INTEGER NULL CHECK (difficulty BETWEEN 0 AND 3),
    source       TEXT    NULL,
    total_score  INTEGER NOT NULL CHECK (total_score BETWEEN 0 AND 27),
    severity     TEXT    NOT NULL CHECK (severity IN ('minimal', 'mild', 'moderate', 'moderately-severe', 'severe')),
    prorated     INTEGER NOT NULL CHECK (prorated IN (0, 1)),
    item9        INTEGER NULL CHECK (item9 BETWEEN 0 AND 3), -- PHQ-9 safety item, kept apart for searches
    created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX ix_questionnaires_patient_instrument_time ON questionnaires (patient_id, instrument, completed_at, id);
CREATE INDEX ix_questionnaires_patient_time ON questionnaires (patient_id, completed_at, id);

CREATE TABLE suicidality_checkins (
    id                 TEXT    NOT NULL PRIMARY KEY,
    patient_id         TEXT    NOT NULL REFERENCES patients (id),
    completed_at       INTEGER NOT NULL,
    wish_to_be_dead    INTEGER NOT NULL CHECK (wish_to_be_dead IN (0, 1)),
    suicidal_thoughts  INTEGER NOT NULL CHECK (suicidal_thoughts IN (0, 1)),
    thoughts_of_method INTEGER NULL CHECK (thoughts_of_method IN (0, 1)),
    intent             INTEGER NULL CHECK (intent IN (0, 1)),
    plan               INTEGER NULL CHECK (plan IN (0, 1)),
    suicidal_behavior  TEXT    NOT NULL CHECK (suicidal_behavior IN ('none', 'over-3-months-ago', 'within-3-months')),
    risk_level         TEXT    NOT NULL CHECK (risk_level IN ('none', 'low', 'moderate', 'high')),
    source             TEXT    NULL,
    created_at         INTEGER NOT NULL
) STRICT;
CREATE INDEX ix_checkins_patient_time ON suicidality_checkins (patient_id, completed_at, id);

CREATE TABLE safety_alerts (
    id               TEXT    NOT NULL PRIMARY KEY,
    patient_id       TEXT    NOT NULL REFERENCES patients (id),
    level            INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3), -- 1 low, 2 moderate, 3 high
    trigger          TEXT    NOT NULL CHECK (trigger IN ('phq9-item9', 'cssrs')),
    questionnaire_id TEXT    NULL REFERENCES questionnaires (id),
    checkin_id       TEXT    NULL REFERENCES suicidality_checkins (id),
    status           TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged')),
    created_at       INTEGER NOT NULL,
    acknowledged_by  TEXT    NULL,
    acknowledged_at  INTEGER NULL,
    note             TEXT    NULL,
    -- exactly one triggering submission, of the kind the trigger names
    CHECK ((trigger = 'phq9-item9' AND questionnaire_id IS NOT NULL AND checkin_id IS NULL)
        OR (trigger = 'cssrs' AND checkin_id IS NOT NULL AND questionnaire_id IS NULL))
) STRICT;
CREATE UNIQUE INDEX ux_alerts_questionnaire ON safety_alerts (questionnaire_id) WHERE questionnaire_id IS NOT NULL;
CREATE UNIQUE INDEX ux_alerts_checkin ON safety_alerts (checkin_id) WHERE checkin_id IS NOT NULL;
CREATE INDEX ix_alerts_status_level ON safety_alerts (status, level DESC, created_at);
CREATE INDEX ix_alerts_patient ON safety_alerts (patient_id, status);

-- Idempotency-Key records: scope is the calling API key (empty until keys exist).
CREATE TABLE idempotency_requests (
    scope             TEXT    NOT NULL,
    idempotency_key   TEXT    NOT NULL,
    request_hash      TEXT    NOT NULL,
    state             TEXT    NOT NULL CHECK (state IN ('in-flight', 'completed')),
    response_status   INTEGER NULL,
    response_location TEXT    NULL,
    response_body     TEXT    NULL,
    created_at        INTEGER NOT NULL,
    completed_at      INTEGER NULL,
    PRIMARY KEY (scope, idempotency_key)
) WITHOUT ROWID, STRICT;
