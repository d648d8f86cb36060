-- Corrections (issue 20; SPEC v2 "Corrections"): derived views (trends, timepoints, research) read only records that
-- are not entered in error. Their scans stay index-only by carrying status in the indexes they read (INCLUDE), filtered
-- there with `status <> 'entered-in-error'`. A partial index would leave the lists that include entered-in-error records
-- (?includeEnteredInError=true) without a per-patient index. Same number of indexes as before.
DROP INDEX ix_questionnaires_patient_instrument_time;
CREATE INDEX ix_questionnaires_patient_instrument_time
    ON questionnaires (patient_id, instrument, completed_at, id) INCLUDE (total_score, severity, prorated, status);
-- Timepoints (session numbers) and the research infusion stream.
DROP INDEX ix_infusions_patient_time;
CREATE INDEX ix_infusions_patient_time ON infusions (patient_id, administered_at, id) INCLUDE (status);
-- The research cohort's route and drug filters.
DROP INDEX ix_infusions_patient_route_drug;
CREATE INDEX ix_infusions_patient_route_drug ON infusions (patient_id, route, drug) INCLUDE (status);
