-- Transactional outbox for safety-alert notifications (SPEC "Alert notifications (webhooks)").
-- The event and one delivery per configured endpoint are written in the transaction that stores the
-- submission and its alert; a background dispatcher claims and sends deliveries.

CREATE TABLE outbox_events (
    id         TEXT    NOT NULL PRIMARY KEY, -- the eventId receivers de-duplicate on
    type       TEXT    NOT NULL CHECK (type IN ('safety-alert.created')),
    alert_id   TEXT    NOT NULL REFERENCES safety_alerts (id),
    payload    TEXT    NOT NULL,             -- the exact JSON body sent (and signed) on every attempt
    created_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX ux_outbox_alert_type ON outbox_events (alert_id, type);

CREATE TABLE webhook_deliveries (
    id              TEXT    NOT NULL PRIMARY KEY,
    event_id        TEXT    NOT NULL REFERENCES outbox_events (id),
    endpoint_name   TEXT    NOT NULL,
    endpoint_url    TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_by      TEXT    NULL,             -- dispatcher instance holding the delivery …
    claimed_until   INTEGER NULL,             -- … until this time (then another may take it: at-least-once)
    last_error      TEXT    NULL,             -- status code or error type, never a response body
    delivered_at    INTEGER NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX ux_deliveries_event_endpoint ON webhook_deliveries (event_id, endpoint_name);
CREATE INDEX ix_deliveries_due ON webhook_deliveries (status, next_attempt_at);
