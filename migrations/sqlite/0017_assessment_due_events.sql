-- The assessment.due webhook event (issue 21; SPEC v2 "Measurement plans"): the scheduler writes one outbox event per
-- occurrence, under an id derived from (patient, rule, dueAt), inserted only if absent, so a restart or a second
-- instance never writes it twice. Only the type CHECK changes. SQLite cannot change a CHECK in place, so the table is
-- rebuilt as in 0014: webhook_deliveries references it, and the foreign-key checks are deferred to commit, by which
-- time every event is back under its id.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE outbox_events_before_0017 AS SELECT id, type, alert_id, patient_id, payload, created_at FROM outbox_events;
DROP TABLE outbox_events;
CREATE TABLE outbox_events (
    id         TEXT    NOT NULL PRIMARY KEY, -- the eventId receivers de-duplicate on
    type       TEXT    NOT NULL CHECK (type IN ('safety-alert.created', 'assessment.amended', 'assessment.entered-in-error', 'assessment.due')),
    alert_id   TEXT    NULL REFERENCES safety_alerts (id),
    patient_id TEXT    NOT NULL REFERENCES patients (id),
    payload    TEXT    NOT NULL,             -- the exact JSON body sent (and signed) on every attempt
    created_at INTEGER NOT NULL,
    CHECK ((type = 'safety-alert.created') = (alert_id IS NOT NULL))
) STRICT;
INSERT INTO outbox_events (id, type, alert_id, patient_id, payload, created_at)
SELECT id, type, alert_id, patient_id, payload, created_at FROM outbox_events_before_0017;
DROP TABLE outbox_events_before_0017;
CREATE UNIQUE INDEX ux_outbox_alert_type ON outbox_events (alert_id, type);
CREATE INDEX ix_outbox_patient ON outbox_events (patient_id);
