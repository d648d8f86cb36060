-- Idempotency-Key records in arrival order (issue 24, the write path): SQLite's 0021 turns its WITHOUT ROWID table,
-- ordered by the client's key, into rows appended in arrival order plus a unique index on (scope, key). PostgreSQL
-- already stores it so — a heap in arrival order and the primary key's B-tree of (scope, key) — so nothing changes
-- here but the record of why.
COMMENT ON TABLE idempotency_requests IS 'Idempotency-Key records: rows in arrival order (heap), found through the primary key (scope, idempotency_key)';
