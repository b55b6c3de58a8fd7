-- The erasure register and the bulk jobs keep the name of who asked beside the id (a replay of the
-- erasure ledger may bring back entries of users the restored database lacks), so erasing a user must
-- rewrite those copies too. The register is append-only for the serve role (postgres.serveLimits), so
-- this function, the owner's, does that and nothing more: the entries of one erased, inactive user take
-- the name the user row now has (the placeholder). Like erase_user_name_history it copies the user row,
-- which the serve role may write, so it protects the register from a mistake, not from the serve role.
CREATE FUNCTION erase_user_erasure_names(erased bigint) RETURNS bigint
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
    WITH done AS (
        UPDATE public.erasures e SET actor_name = u.name
        FROM public.users u
        WHERE e.actor_id = erased AND u.id = erased AND u.erased_at IS NOT NULL AND NOT u.active
        RETURNING 1)
    SELECT count(*) FROM done
$$;
