-- The transaction that wrote each change-log entry (set by the writer: db::changes::append).
-- Followers read only entries of transactions older than the oldest one still running
-- (pg_snapshot_xmin), so they see the log in a safe order without a lock that serialises every
-- writer.
ALTER TABLE search_changes ADD COLUMN txid BIGINT NOT NULL DEFAULT 0;
CREATE INDEX search_changes_txid ON search_changes (txid, id);
