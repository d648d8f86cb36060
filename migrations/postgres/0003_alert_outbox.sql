-- Transactional outbox for safety-alert notifications (mirrors migrations/sqlite/0003_alert_outbox.sql).

CREATE TABLE outbox_events (
    id         uuid   NOT NULL PRIMARY KEY,
    type       text   NOT NULL CHECK (type IN ('safety-alert.created')),
    alert_id   uuid   NOT NULL REFERENCES safety_alerts (id),
    payload    text   NOT NULL,
    created_at bigint NOT NULL
);
CREATE UNIQUE INDEX ux_outbox_alert_type ON outbox_events (alert_id, type);

CREATE TABLE webhook_deliveries (
    id              uuid   NOT NULL PRIMARY KEY,
    event_id        uuid   NOT NULL REFERENCES outbox_events (id),
    endpoint_name   text   NOT NULL,
    endpoint_url    text   NOT NULL,
    status          text   NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        bigint NOT NULL DEFAULT 0,
    next_attempt_at bigint NOT NULL,
    claimed_by      text   NULL,
    claimed_until   bigint NULL,
    last_error      text   NULL,
    delivered_at    bigint NULL,
    created_at      bigint NOT NULL,
    updated_at      bigint NOT NULL
);
CREATE UNIQUE INDEX ux_deliveries_event_endpoint ON webhook_deliveries (event_id, endpoint_name);
CREATE INDEX ix_deliveries_due ON webhook_deliveries (status, next_attempt_at);
