-- API keys and the append-only audit trail (mirrors migrations/sqlite/0002_security.sql).

CREATE TABLE api_keys (
    id         uuid   NOT NULL PRIMARY KEY,
    name       text   NOT NULL,
    role       text   NOT NULL CHECK (role IN ('portal', 'clinician', 'ehr', 'researcher', 'admin')),
    site_id    text   NULL,
    key_hash   bytea  NOT NULL,
    key_prefix text   NOT NULL,
    created_at bigint NOT NULL,
    revoked_at bigint NULL
);
CREATE UNIQUE INDEX ux_api_keys_hash ON api_keys (key_hash);

CREATE TABLE audit_events (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          bigint NOT NULL,
    key_id      uuid   NULL,
    role        text   NULL,
    action      text   NOT NULL,
    patient_id  uuid   NULL,
    status_code bigint NOT NULL,
    outcome     text   NOT NULL CHECK (outcome IN ('success', 'denied', 'not-found', 'invalid', 'error')),
    request_id  text   NOT NULL
);
CREATE INDEX ix_audit_patient_at ON audit_events (patient_id, at);
CREATE INDEX ix_audit_at ON audit_events (at);

-- Audit rows are never updated or deleted: enforced here, not only in code.
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
