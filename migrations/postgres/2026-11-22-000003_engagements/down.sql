DROP TABLE calendar_tokens;
DROP TABLE ratings;
DROP TABLE attendance;
DROP TABLE engagement_events;
DROP TABLE engagements;
DROP FUNCTION engagement_events_append_only();
