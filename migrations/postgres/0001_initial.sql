-- KetamineOutcomes schema, PostgreSQL dialect (mirrors migrations/sqlite/0001_initial.sql).
-- Times are bigint microseconds since the Unix epoch (UTC), exactly as in SQLite, so every query is shared;
-- ids are uuid; flags are 0/1 smallints for the same reason.

CREATE TABLE patients (
    id               uuid     NOT NULL PRIMARY KEY,
    site_id          text     NULL,
    mrn              text     NULL,
    birth_year       bigint   NULL,
    sex              text     NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
    research_consent bigint   NOT NULL CHECK (research_consent IN (0, 1)),
    created_at       bigint   NOT NULL,
    updated_at       bigint   NOT NULL
);
CREATE UNIQUE INDEX ux_patients_site_mrn ON patients ((COALESCE(site_id, '')), mrn) WHERE mrn IS NOT NULL;
CREATE INDEX ix_patients_mrn ON patients (mrn) WHERE mrn IS NOT NULL;
CREATE INDEX ix_patients_site ON patients (site_id, id);

CREATE TABLE patient_diagnoses (
    patient_id uuid NOT NULL REFERENCES patients (id),
    diagnosis  text NOT NULL CHECK (diagnosis IN ('trd', 'mdd', 'bipolar-depression', 'ptsd', 'anxiety', 'ocd', 'chronic-pain')),
    PRIMARY KEY (patient_id, diagnosis)
);

CREATE TABLE infusions (
    id                 uuid             NOT NULL PRIMARY KEY,
    patient_id         uuid             NOT NULL REFERENCES patients (id),
    administered_at    bigint           NOT NULL,
    route              text             NOT NULL CHECK (route IN ('iv', 'im', 'intranasal', 'sublingual', 'oral')),
    drug               text             NOT NULL CHECK (drug IN ('ketamine', 'esketamine')),
    dose_mg            double precision NULL,
    dose_mg_per_kg     double precision NULL,
    duration_minutes   bigint           NULL,
    bp_pre_systolic    bigint           NULL,
    bp_pre_diastolic   bigint           NULL,
    bp_post_systolic   bigint           NULL,
    bp_post_diastolic  bigint           NULL,
    side_effects       text             NOT NULL DEFAULT '[]',
    notes              text             NULL,
    created_at         bigint           NOT NULL
);
CREATE INDEX ix_infusions_patient_time ON infusions (patient_id, administered_at, id);

CREATE TABLE questionnaires (
    id           uuid   NOT NULL PRIMARY KEY,
    patient_id   uuid   NOT NULL REFERENCES patients (id),
    instrument   text   NOT NULL CHECK (instrument IN ('phq9', 'gad7')),
    completed_at bigint NOT NULL,
    items        text   NOT NULL,
    difficulty   bigint NULL CHECK (difficulty BETWEEN 0 AND 3),
    source       text   NULL,
    total_score  bigint NOT NULL CHECK (total_score BETWEEN 0 AND 27),
    severity     text   NOT NULL CHECK (severity IN ('minimal', 'mild', 'moderate', 'moderately-severe', 'severe')),
    prorated     bigint NOT NULL CHECK (prorated IN (0, 1)),
    item9        bigint NULL CHECK (item9 BETWEEN 0 AND 3),
    created_at   bigint NOT NULL
);
CREATE INDEX ix_questionnaires_patient_instrument_time ON questionnaires (patient_id, instrument, completed_at, id);
CREATE INDEX ix_questionnaires_patient_time ON questionnaires (patient_id, completed_at, id);

CREATE TABLE suicidality_checkins (
    id                 uuid   NOT NULL PRIMARY KEY,
    patient_id         uuid   NOT NULL REFERENCES patients (id),
    completed_at       bigint NOT NULL,
    wish_to_be_dead    bigint NOT NULL CHECK (wish_to_be_dead IN (0, 1)),
    suicidal_thoughts  bigint NOT NULL CHECK (suicidal_thoughts IN (0, 1)),
    thoughts_of_method bigint NULL CHECK (thoughts_of_method IN (0, 1)),
    intent             bigint NULL CHECK (intent IN (0, 1)),
    plan               bigint NULL CHECK (plan IN (0, 1)),
    suicidal_behavior  text   NOT NULL CHECK (suicidal_behavior IN ('none', 'over-3-months-ago', 'within-3-months')),
    risk_level         text   NOT NULL CHECK (risk_level IN ('none', 'low', 'moderate', 'high')),
    source             text   NULL,
    created_at         bigint NOT NULL
);
CREATE INDEX ix_checkins_patient_time ON suicidality_checkins (patient_id, completed_at, id);

CREATE TABLE safety_alerts (
    id               uuid   NOT NULL PRIMARY KEY,
    patient_id       uuid   NOT NULL REFERENCES patients (id),
    level            bigint NOT NULL CHECK (level BETWEEN 1 AND 3),
    trigger          text   NOT NULL CHECK (trigger IN ('phq9-item9', 'cssrs')),
    questionnaire_id uuid   NULL REFERENCES questionnaires (id),
    checkin_id       uuid   NULL REFERENCES suicidality_checkins (id),
    status           text   NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged')),
    created_at       bigint NOT NULL,
    acknowledged_by  text   NULL,
    acknowledged_at  bigint NULL,
    note             text   NULL,
    CHECK ((trigger = 'phq9-item9' AND questionnaire_id IS NOT NULL AND checkin_id IS NULL)
        OR (trigger = 'cssrs' AND checkin_id IS NOT NULL AND questionnaire_id IS NULL))
);
CREATE UNIQUE INDEX ux_alerts_questionnaire ON safety_alerts (questionnaire_id) WHERE questionnaire_id IS NOT NULL;
CREATE UNIQUE INDEX ux_alerts_checkin ON safety_alerts (checkin_id) WHERE checkin_id IS NOT NULL;
CREATE INDEX ix_alerts_status_level ON safety_alerts (status, level DESC, created_at);
CREATE INDEX ix_alerts_patient ON safety_alerts (patient_id, status);

CREATE TABLE idempotency_requests (
    scope             text   NOT NULL,
    idempotency_key   text   NOT NULL,
    request_hash      text   NOT NULL,
    state             text   NOT NULL CHECK (state IN ('in-flight', 'completed')),
    response_status   bigint NULL,
    response_location text   NULL,
    response_body     text   NULL,
    created_at        bigint NOT NULL,
    completed_at      bigint NULL,
    PRIMARY KEY (scope, idempotency_key)
);
