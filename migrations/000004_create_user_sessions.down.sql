ALTER TABLE users ADD COLUMN sessions_valid_after timestamptz NOT NULL DEFAULT 'epoch';
DROP TABLE user_sessions;
