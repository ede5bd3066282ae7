ALTER TABLE reports DROP COLUMN email_confirm_token_hash;
ALTER TABLE reports DROP COLUMN email_confirmed;
