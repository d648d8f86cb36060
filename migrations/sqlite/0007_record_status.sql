-- A record's status (SPEC v2, Corrections): `final`, `amended` or `entered-in-error`. FHIR QuestionnaireResponse.status
-- is a modifier element: a response posted as `amended` is stored as amended and read back as such, never as completed.
-- Every existing record was stored as a final submission.
ALTER TABLE questionnaires ADD COLUMN status TEXT NOT NULL DEFAULT 'final'
    CHECK (status IN ('final', 'amended', 'entered-in-error'));
ALTER TABLE suicidality_checkins ADD COLUMN status TEXT NOT NULL DEFAULT 'final'
    CHECK (status IN ('final', 'amended', 'entered-in-error'));
