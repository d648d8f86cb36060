-- Admin actions and capped anonymous refusals in the audit trail (mirrors migrations/sqlite/0010_audit_admin_targets.sql).
-- Nullable columns only: existing rows stay valid, and the append-only triggers are untouched.
ALTER TABLE audit_events ADD COLUMN target_type text NULL;
ALTER TABLE audit_events ADD COLUMN target_id uuid NULL;
ALTER TABLE audit_events ADD COLUMN site_id text NULL;
ALTER TABLE audit_events ADD COLUMN client_address text NULL;
ALTER TABLE audit_events ADD COLUMN count bigint NULL CHECK (count IS NULL OR count >= 1);
CREATE INDEX ix_audit_target ON audit_events (target_id) WHERE target_id IS NOT NULL;
CREATE INDEX ix_audit_site ON audit_events (site_id) WHERE site_id IS NOT NULL;
