-- Corrections, part two (mirrors migrations/sqlite/0014_correction_alerts_and_events.sql): several alerts per record
-- (one per level), the record version that raised each, outbox events that are not about an alert, and the ETag of a
-- replayed correction.
DROP INDEX ux_alerts_questionnaire;
DROP INDEX ux_alerts_checkin;
CREATE UNIQUE INDEX ux_alerts_questionnaire_level ON safety_alerts (questionnaire_id, level) WHERE questionnaire_id IS NOT NULL;
CREATE UNIQUE INDEX ux_alerts_checkin_level ON safety_alerts (checkin_id, level) WHERE checkin_id IS NOT NULL;
ALTER TABLE safety_alerts ADD COLUMN source_version integer NOT NULL DEFAULT 1 CHECK (source_version >= 1);

ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_type_check;
ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_type_check
    CHECK (type IN ('safety-alert.created', 'assessment.amended', 'assessment.entered-in-error'));
ALTER TABLE outbox_events ALTER COLUMN alert_id DROP NOT NULL;
ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_alert_iff_alert_event CHECK ((type = 'safety-alert.created') = (alert_id IS NOT NULL));
ALTER TABLE outbox_events ADD COLUMN patient_id uuid NULL REFERENCES patients (id);
UPDATE outbox_events o SET patient_id = a.patient_id FROM safety_alerts a WHERE a.id = o.alert_id;
ALTER TABLE outbox_events ALTER COLUMN patient_id SET NOT NULL;
CREATE INDEX ix_outbox_patient ON outbox_events (patient_id);

ALTER TABLE idempotency_requests ADD COLUMN response_etag text NULL;
