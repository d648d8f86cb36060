-- Corrections, part two (issue 20; SPEC v2 "Corrections"): what amending or entering a record in error does to alerts,
-- the outbox and idempotent replays.
--
-- An amendment that newly meets a trigger at a higher level raises a new alert for the same record, so a record may
-- have several alerts, one per level at most. source_version: the version of the record that raised the alert (every
-- alert stored before this migration was raised by version 1).
DROP INDEX ux_alerts_questionnaire;
DROP INDEX ux_alerts_checkin;
CREATE UNIQUE INDEX ux_alerts_questionnaire_level ON safety_alerts (questionnaire_id, level) WHERE questionnaire_id IS NOT NULL;
CREATE UNIQUE INDEX ux_alerts_checkin_level ON safety_alerts (checkin_id, level) WHERE checkin_id IS NOT NULL;
ALTER TABLE safety_alerts ADD COLUMN source_version INTEGER NOT NULL DEFAULT 1 CHECK (source_version >= 1);

-- Outbox events are no longer all about an alert: assessment.amended and assessment.entered-in-error name the record
-- in their payload and the patient here (a site-bound admin's delivery list filters on it). A safety-alert.created
-- event still names its alert. SQLite cannot relax NOT NULL or a CHECK in place, so the table is rebuilt:
-- webhook_deliveries references it, and foreign keys are on for this (transactional) script, so the checks are
-- deferred to commit, by which time every event is back under its id.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE outbox_events_before_0014 AS SELECT id, type, alert_id, payload, created_at FROM outbox_events;
DROP TABLE outbox_events;
CREATE TABLE outbox_events (
    id         TEXT    NOT NULL PRIMARY KEY, -- the eventId receivers de-duplicate on
    type       TEXT    NOT NULL CHECK (type IN ('safety-alert.created', 'assessment.amended', 'assessment.entered-in-error')),
    alert_id   TEXT    NULL REFERENCES safety_alerts (id),
    patient_id TEXT    NOT NULL REFERENCES patients (id),
    payload    TEXT    NOT NULL,             -- the exact JSON body sent (and signed) on every attempt
    created_at INTEGER NOT NULL,
    CHECK ((type = 'safety-alert.created') = (alert_id IS NOT NULL))
) STRICT;
INSERT INTO outbox_events (id, type, alert_id, patient_id, payload, created_at)
SELECT o.id, o.type, o.alert_id, a.patient_id, o.payload, o.created_at
FROM outbox_events_before_0014 o JOIN safety_alerts a ON a.id = o.alert_id;
DROP TABLE outbox_events_before_0014;
CREATE UNIQUE INDEX ux_outbox_alert_type ON outbox_events (alert_id, type);
CREATE INDEX ix_outbox_patient ON outbox_events (patient_id);

-- A replayed correction answers with the same ETag as the first answer.
ALTER TABLE idempotency_requests ADD COLUMN response_etag TEXT NULL;
