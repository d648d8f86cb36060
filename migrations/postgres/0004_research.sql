-- Research pseudonyms (mirrors migrations/sqlite/0004_research.sql): random, letters only, never derived.

CREATE TABLE research_ids (
    patient_id uuid NOT NULL PRIMARY KEY REFERENCES patients (id),
    pseudo_id  text NOT NULL UNIQUE
);

INSERT INTO research_ids (patient_id, pseudo_id)
SELECT id, 'R-' || (SELECT string_agg(chr(65 + floor(random() * 26)::int), '') FROM generate_series(1, 12) WHERE id IS NOT NULL)
FROM patients;

CREATE INDEX ix_patients_consent_site ON patients (research_consent, site_id);
CREATE INDEX ix_infusions_patient_route_drug ON infusions (patient_id, route, drug);
