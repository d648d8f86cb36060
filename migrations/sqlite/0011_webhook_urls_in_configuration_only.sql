-- Receiver URLs live in configuration only (issue 18): a URL may carry a token (user-info, query), so a copy or backup
-- of the database must hold none. Deliveries keep the endpoint's name; the dispatcher looks the URL up by name when it
-- sends. secure_delete zeroes the bytes the rewrite frees, so the old URLs do not linger in free pages of the file.
-- (Names that were defaulted to a full URL are redacted by the code step 0011_redacted_endpoint_names.)
PRAGMA secure_delete = ON;
ALTER TABLE webhook_deliveries DROP COLUMN endpoint_url;
