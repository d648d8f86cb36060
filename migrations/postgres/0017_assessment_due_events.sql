-- The assessment.due webhook event (mirrors migrations/sqlite/0017_assessment_due_events.sql): one outbox event per
-- occurrence, under an id derived from (patient, rule, dueAt) and inserted only if absent.
ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_type_check;
ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_type_check
    CHECK (type IN ('safety-alert.created', 'assessment.amended', 'assessment.entered-in-error', 'assessment.due'));
