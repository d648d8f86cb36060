-- Admin actions and capped anonymous refusals in the audit trail (issue 18; SPEC "Security, continued").
-- Nullable columns only: existing rows stay valid, and the append-only triggers are untouched.
ALTER TABLE audit_events ADD COLUMN target_type TEXT NULL;    -- what an admin action acted on, e.g. api-key
ALTER TABLE audit_events ADD COLUMN target_id TEXT NULL;      -- its id (a UUID), null for lists
ALTER TABLE audit_events ADD COLUMN site_id TEXT NULL;        -- the site an admin action concerned (null: none or every site)
ALTER TABLE audit_events ADD COLUMN client_address TEXT NULL; -- only on rows of calls without a valid key
ALTER TABLE audit_events ADD COLUMN count INTEGER NULL CHECK (count IS NULL OR count >= 1); -- refusals one row stands for; null = 1
CREATE INDEX ix_audit_target ON audit_events (target_id) WHERE target_id IS NOT NULL;
CREATE INDEX ix_audit_site ON audit_events (site_id) WHERE site_id IS NOT NULL;
