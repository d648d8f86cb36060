-- Corrections (issue 20; SPEC v2 "Corrections"): derived views (trends, timepoints, research) read only records that
-- are not entered in error. Their scans stay index-only by carrying status in the indexes they read, filtered there
-- with `status <> 'entered-in-error'`. A partial index (WHERE status <> 'entered-in-error') is not enough: SQLite does not
-- read a partial index as covering when its WHERE names a column it does not hold (measured, 3.40: "USING INDEX", a table
-- row per assessment), and it would leave the lists that include entered-in-error records (?includeEnteredInError=true)
-- without any per-patient index, since 0006 dropped the other one. Same number of indexes as before. Measured on
-- 300,000 assessments (10,000 patients, 1 % entered in error; median of 9 on a loaded 2-core VM): the full-cohort score
-- scan 234 ms before -> 238 ms after, the index 30.1 -> 31.8 MiB; the same statement on the old index read table rows.
DROP INDEX ix_questionnaires_patient_instrument_time;
CREATE INDEX ix_questionnaires_patient_instrument_time
    ON questionnaires (patient_id, instrument, completed_at, id, total_score, severity, prorated, status);
-- Timepoints (session numbers) and the research infusion stream.
DROP INDEX ix_infusions_patient_time;
CREATE INDEX ix_infusions_patient_time ON infusions (patient_id, administered_at, id, status);
-- The research cohort's route and drug filters.
DROP INDEX ix_infusions_patient_route_drug;
CREATE INDEX ix_infusions_patient_route_drug ON infusions (patient_id, route, drug, status);
