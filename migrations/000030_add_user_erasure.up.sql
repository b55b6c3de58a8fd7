-- Issue 18: a departed (deactivated) user can be erased. The row stays, so audit events, quotes and
-- erasure-register entries keep pointing at a stable id; its name and e-mail become a placeholder
-- ("Tidigare användare #12"), and erased_at marks it so it is never reactivated or given a link again.
ALTER TABLE users ADD COLUMN erased_at timestamptz;

-- The name history is a proof the serve role may only close periods of (postgres.serveLimits). Erasing a
-- user must rewrite it, so this function, the owner's, does that and nothing more: every period of one
-- erased, inactive user takes the name and address the user row now has (the placeholders), so the audit
-- log names the placeholder at any time. It cannot write a name of the caller's choosing into the history.
CREATE FUNCTION erase_user_name_history(erased bigint) RETURNS bigint
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
    WITH done AS (
        UPDATE public.user_name_history h SET name = u.name, email = u.email
        FROM public.users u
        WHERE h.user_id = erased AND u.id = erased AND u.erased_at IS NOT NULL AND NOT u.active
        RETURNING 1)
    SELECT count(*) FROM done
$$;
