-- The response.lost and remission.relapsed webhook events (issue 22; SPEC v2 "Response durability"). Only the type
-- CHECK changes; it also names assessment.due (issue 21's 0017), so every event type stays allowed whatever the merge order.
ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_type_check;
ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_type_check
    CHECK (type IN ('safety-alert.created', 'assessment.amended', 'assessment.entered-in-error', 'assessment.due',
                    'response.lost', 'remission.relapsed'));
