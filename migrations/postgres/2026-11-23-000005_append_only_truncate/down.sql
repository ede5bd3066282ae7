DROP TRIGGER engagement_events_no_truncate ON engagement_events;
DROP TRIGGER audit_log_no_truncate ON audit_log;
