ALTER TABLE categories DROP COLUMN effective_from;
ALTER TABLE categories DROP COLUMN ccdo_code;
