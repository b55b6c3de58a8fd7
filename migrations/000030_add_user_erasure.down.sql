DROP FUNCTION erase_user_name_history(bigint);
ALTER TABLE users DROP COLUMN erased_at;
