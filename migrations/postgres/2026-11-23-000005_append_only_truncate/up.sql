-- TRUNCATE fires no row triggers, so the append-only tables were open to it here (directly, or
-- through TRUNCATE ... CASCADE from a table they reference). SQLite has no TRUNCATE, so there the
-- DELETE triggers suffice; these bring PostgreSQL level with it.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER engagement_events_no_truncate BEFORE TRUNCATE ON engagement_events
    FOR EACH STATEMENT EXECUTE FUNCTION engagement_events_append_only();
