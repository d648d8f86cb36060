-- People, not shared keys (issue 23; SPEC v2): audit rows and acknowledgements name the actor, a person signed in
-- through the OpenID provider or an API key, as JSON {"type": "user"|"key", "id", "name"} like changed_by (0013).
-- audit_events.actor: written on every row with a caller from now on; earlier rows keep only key_id, and the API names
-- their actor from it and the key's name (the trail is append-only: no backfill).
ALTER TABLE audit_events ADD COLUMN actor text NULL;

-- safety_alerts.acknowledged_actor: who acknowledged; acknowledged_by keeps the actor's id (the v1 field). Earlier
-- acknowledgements were all by keys: filled in here from the key's name.
ALTER TABLE safety_alerts ADD COLUMN acknowledged_actor text NULL;
UPDATE safety_alerts a
SET acknowledged_actor = json_build_object('type', 'key', 'id', lower(a.acknowledged_by), 'name',
        COALESCE((SELECT k.name FROM api_keys k WHERE k.id::text = lower(a.acknowledged_by)), ''))::text
WHERE a.acknowledged_by IS NOT NULL;
