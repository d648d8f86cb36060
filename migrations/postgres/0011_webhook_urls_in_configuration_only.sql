-- Receiver URLs live in configuration only (issue 18; mirrors migrations/sqlite/0011_webhook_urls_in_configuration_only.sql).
-- DROP COLUMN alone only hides the column (the values stay in the rows on disk), so the URLs are blanked first; the old
-- row versions are dead and reclaimed by (auto)vacuum. Names defaulted to a full URL are redacted by the code step
-- 0011_redacted_endpoint_names.
UPDATE webhook_deliveries SET endpoint_url = '';
ALTER TABLE webhook_deliveries DROP COLUMN endpoint_url;
