-- A portal key may be bound to one patient, for that patient's own app (issue 18): it then reads and writes only that
-- patient's data. Null for every other key; only a portal key may carry one, enforced here too, not only in code.
ALTER TABLE api_keys ADD COLUMN patient_id uuid NULL REFERENCES patients (id);
ALTER TABLE api_keys ADD CONSTRAINT ck_api_keys_patient_portal CHECK (patient_id IS NULL OR role = 'portal');
