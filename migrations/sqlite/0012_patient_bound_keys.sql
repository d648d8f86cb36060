-- A portal key may be bound to one patient, for that patient's own app (issue 18): it then reads and writes only that
-- patient's data. Null for every other key; only a portal key may carry one, enforced here too, not only in code.
-- No foreign key: the SQLite schema declares none (patients are never deleted).
ALTER TABLE api_keys ADD COLUMN patient_id TEXT NULL CHECK (patient_id IS NULL OR role = 'portal');
