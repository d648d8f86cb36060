-- A positive answer that comes back after a correction took it away raises a new alert (issue 20, second break-it
-- pass): an alert whose source was amended below its level has lapsed, and a later version meeting that level again is
-- a new answer for someone to act on, even when the lapsed alert was acknowledged meanwhile. So a record may hold
-- several alerts of one level, one per version that raised it at most.
DROP INDEX ux_alerts_questionnaire_level;
DROP INDEX ux_alerts_checkin_level;
CREATE UNIQUE INDEX ux_alerts_questionnaire_level_version ON safety_alerts (questionnaire_id, level, source_version) WHERE questionnaire_id IS NOT NULL;
CREATE UNIQUE INDEX ux_alerts_checkin_level_version ON safety_alerts (checkin_id, level, source_version) WHERE checkin_id IS NOT NULL;
