-- API keys and the append-only audit trail (SPEC "Security").

CREATE TABLE api_keys (
    id         TEXT    NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    role       TEXT    NOT NULL CHECK (role IN ('portal', 'clinician', 'ehr', 'researcher', 'admin')),
    site_id    TEXT    NULL,
    key_hash   BLOB    NOT NULL, -- SHA-256 of the whole key; the key itself is never stored
    key_prefix TEXT    NOT NULL, -- first characters, to recognise a key in listings
    created_at INTEGER NOT NULL,
    revoked_at INTEGER NULL
) STRICT;
CREATE UNIQUE INDEX ux_api_keys_hash ON api_keys (key_hash);

-- One row per read or write of a patient's data (and per refused attempt at one).
CREATE TABLE audit_events (
    seq         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, -- append order; also the list cursor
    at          INTEGER NOT NULL,
    key_id      TEXT    NULL,     -- null when no valid key was presented
    role        TEXT    NULL,
    action      TEXT    NOT NULL, -- the endpoint's operation name, e.g. GetTrend
    patient_id  TEXT    NULL,
    status_code INTEGER NOT NULL,
    outcome     TEXT    NOT NULL CHECK (outcome IN ('success', 'denied', 'not-found', 'invalid', 'error')),
    request_id  TEXT    NOT NULL
) STRICT;
CREATE INDEX ix_audit_patient_at ON audit_events (patient_id, at);
CREATE INDEX ix_audit_at ON audit_events (at);

-- Audit rows are never updated or deleted: enforced here, not only in code.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
