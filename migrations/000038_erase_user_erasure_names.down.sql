DROP FUNCTION erase_user_erasure_names(bigint);
