-- Same column as on PostgreSQL. SQLite has one writer at a time, so ids already become visible in
-- commit order and followers read by id; the column is kept for one schema on both backends.
ALTER TABLE search_changes ADD COLUMN txid BIGINT NOT NULL DEFAULT 0;
CREATE INDEX search_changes_txid ON search_changes (txid, id);
