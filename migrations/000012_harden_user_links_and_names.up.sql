-- Issue 13. Who made each invitation or reset link: when the link is used, the issuer must still be
-- allowed to manage its user (user.MayManage), or nothing is set. NULL is the command line. A link dies with
-- its issuer's row. revoked_at: the link was withdrawn because its user's e-mail address, admin role,
-- permissions or status changed after it was made.
ALTER TABLE user_tokens
    ADD COLUMN issued_by  bigint REFERENCES users (id) ON DELETE CASCADE,
    ADD COLUMN revoked_at timestamptz;
CREATE INDEX user_tokens_issued_by ON user_tokens (issued_by);

-- Links made before this migration: the issuer is the actor of the audit event written with the link, in
-- the same transaction (the two took the clock separately, so they differ by a moment: the nearest such
-- event within a second), if that user still exists. An open link whose issuer is not found this way, or
-- whose user is inactive (a reactivation must not bring it back), is withdrawn rather than trusted.
UPDATE user_tokens t SET issued_by = (
        SELECT e.actor_user_id FROM audit_events e
        WHERE e.entity_type = 'user' AND e.entity_id = t.user_id
          AND e.action IN ('user.invited', 'user.password_link_issued')
          AND e.at BETWEEN t.created_at - interval '1 second' AND t.created_at + interval '1 second'
          AND EXISTS (SELECT 1 FROM users u WHERE u.id = e.actor_user_id)
        ORDER BY abs(extract(epoch FROM e.at - t.created_at)), e.id
        LIMIT 1);
UPDATE user_tokens t SET revoked_at = now()
    WHERE t.used_at IS NULL
      AND (t.issued_by IS NULL OR NOT EXISTS (SELECT 1 FROM users u WHERE u.id = t.user_id AND u.active));

-- The names and e-mail addresses each user has had, with when: the audit log shows an actor by id and the
-- name they had at the time of the event, without putting names into the hashed event content (so a
-- departed employee's row can be erased without breaking the chain). Written in the transaction of every
-- change of a name or address; valid_to is NULL for the current one.
CREATE TABLE user_name_history (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       text NOT NULL,
    email      citext NOT NULL,
    valid_from timestamptz NOT NULL,
    valid_to   timestamptz,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE UNIQUE INDEX user_name_history_current ON user_name_history (user_id) WHERE valid_to IS NULL;
CREATE INDEX user_name_history_at ON user_name_history (user_id, valid_from DESC, id DESC);

-- What existing users were called before is not known: their current name covers their whole past.
INSERT INTO user_name_history (user_id, name, email, valid_from)
    SELECT id, name, email, '-infinity' FROM users ORDER BY id;
