-- An anonymous reporter's address is mailed the outcome only after it confirmed the report
-- (a link mailed to it), so nobody can have the service mail a stranger. Addresses of signed-in
-- reporters come from their account and count as confirmed.
ALTER TABLE reports ADD COLUMN email_confirmed BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN email_confirm_token_hash TEXT;
UPDATE reports SET email_confirmed = 1 WHERE reporter_id IS NOT NULL;
