DROP TABLE calendar_tokens;
DROP TABLE ratings;
DROP TABLE attendance;
DROP TABLE engagement_events;
DROP TABLE engagements;
