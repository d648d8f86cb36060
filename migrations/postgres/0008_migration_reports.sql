-- Code migrations: steps SQL cannot express (SQLite has no NFC normalisation; one C# step serves both dialects), run by
-- MigrationRunner after the SQL scripts, each recorded here in the transaction that applies it, so it runs once.
CREATE TABLE code_migrations (
    name       text   NOT NULL PRIMARY KEY,
    applied_at bigint NOT NULL
);

-- What a migration left unchanged for a person to settle (e.g. two MRNs of one site equal once NFC-normalised).
-- Rows are named by id, never by their identifier text: MRNs are PHI.
CREATE TABLE migration_reports (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    migration   text   NOT NULL,
    kind        text   NOT NULL CHECK (kind IN ('nfc-collision', 'refused-characters')),
    table_name  text   NOT NULL,
    column_name text   NOT NULL,
    row_ids     text   NOT NULL, -- JSON array of the rows' ids
    detail      text   NOT NULL,
    created_at  bigint NOT NULL
);
