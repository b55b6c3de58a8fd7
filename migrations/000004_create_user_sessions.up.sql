-- Server-side record of each signed-in session. Sign-out, deactivation and a password reset delete the
-- rows, so a session ends for good even if a request still in flight writes its scs data back. The idle
-- timeout is kept here too (last_seen_at, refreshed at most once a minute), so a request does not have to
-- rewrite the scs session to stay signed in.
CREATE TABLE user_sessions (
    id           text PRIMARY KEY, -- random, kept in the scs session data
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL
);
CREATE INDEX user_sessions_user ON user_sessions (user_id);
CREATE INDEX user_sessions_created ON user_sessions (created_at);

ALTER TABLE users DROP COLUMN sessions_valid_after;
