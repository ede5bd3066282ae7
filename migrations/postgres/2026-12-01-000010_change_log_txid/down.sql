DROP INDEX search_changes_txid;
ALTER TABLE search_changes DROP COLUMN txid;
