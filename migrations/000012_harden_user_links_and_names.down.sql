DROP TABLE user_name_history;
ALTER TABLE user_tokens DROP COLUMN revoked_at, DROP COLUMN issued_by;
