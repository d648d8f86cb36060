-- Research pseudonyms: a random identifier per patient, kept apart from the patient row and never derived from
-- any identifier (HIPAA §164.514(c)). Letters only, so it can never look like a year, date or score.

CREATE TABLE research_ids (
    patient_id TEXT NOT NULL PRIMARY KEY REFERENCES patients (id),
    pseudo_id  TEXT NOT NULL UNIQUE
) STRICT;

-- Patients created before this migration get a random pseudonym now.
INSERT INTO research_ids (patient_id, pseudo_id)
SELECT id, 'R-' || char(65 + abs(random()) % 26, 65 + abs(random()) % 26, 65 + abs(random()) % 26, 65 + abs(random()) % 26,
                        65 + abs(random()) % 26, 65 + abs(random()) % 26, 65 + abs(random()) % 26, 65 + abs(random()) % 26,
                        65 + abs(random()) % 26, 65 + abs(random()) % 26, 65 + abs(random()) % 26, 65 + abs(random()) % 26)
FROM patients;

-- Research filters: consent and site first, then per-patient existence checks.
CREATE INDEX ix_patients_consent_site ON patients (research_consent, site_id);
CREATE INDEX ix_infusions_patient_route_drug ON infusions (patient_id, route, drug);
