-- Erasing a departed user rewrites who asked in the erasure register by the user's id (migration 38), and
-- the departed-users rule erases up to a thousand users in one run: without this index each of them read
-- the whole register.
CREATE INDEX erasures_actor ON erasures (actor_id) WHERE actor_id IS NOT NULL;
