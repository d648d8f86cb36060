-- Trends and research read one instrument of a patient (or of the whole cohort, patient by patient) in time order,
-- needing only the score columns: INCLUDE them so those scans can be index-only. Same number of indexes as before.
DROP INDEX ix_questionnaires_patient_instrument_time;
CREATE INDEX ix_questionnaires_patient_instrument_time
    ON questionnaires (patient_id, instrument, completed_at, id) INCLUDE (total_score, severity, prorated);
