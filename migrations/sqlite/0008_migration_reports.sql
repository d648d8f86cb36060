-- Code migrations: steps SQL cannot express (SQLite has no NFC normalisation), run by MigrationRunner after the SQL
-- scripts, each recorded here in the transaction that applies it, so it runs once.
CREATE TABLE code_migrations (
    name       TEXT    NOT NULL PRIMARY KEY,
    applied_at INTEGER NOT NULL
) STRICT;

-- What a migration left unchanged for a person to settle (e.g. two MRNs of one site equal once NFC-normalised).
-- Rows are named by id, never by their identifier text: MRNs are PHI.
CREATE TABLE migration_reports (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    migration   TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('nfc-collision', 'refused-characters')),
    table_name  TEXT    NOT NULL,
    column_name TEXT    NOT NULL,
    row_ids     TEXT    NOT NULL, -- JSON array of the rows' ids
    detail      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;
