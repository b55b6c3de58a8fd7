DROP TABLE user_name_history;
-- The older code knows no withdrawn links: a withdrawn link is spent, or it would work again.
UPDATE user_tokens SET used_at = revoked_at WHERE revoked_at IS NOT NULL AND used_at IS NULL;
ALTER TABLE user_tokens DROP COLUMN revoked_at, DROP COLUMN issued_by;
