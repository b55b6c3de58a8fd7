CREATE EXTENSION IF NOT EXISTS citext;

CREATE TABLE users (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email                citext NOT NULL UNIQUE,
    name                 text NOT NULL,
    password_hash        text NOT NULL,
    is_admin             boolean NOT NULL DEFAULT false,
    active               boolean NOT NULL DEFAULT true,
    language             text CHECK (language IN ('en', 'sv')),
    sessions_valid_after timestamptz NOT NULL DEFAULT 'epoch', -- sessions signed in before this are void
    created_at           timestamptz NOT NULL DEFAULT now(),
    last_login_at        timestamptz
);

CREATE TABLE user_permissions (
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    permission text NOT NULL,
    granted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, permission)
);

-- Failed sign-ins per account or per client address; keys are sha256 digests, so no e-mail or address
-- is stored in clear.
CREATE TABLE signin_throttle (
    key          bytea PRIMARY KEY,
    failures     integer NOT NULL,
    window_start timestamptz NOT NULL,
    locked_until timestamptz
);

-- Session store of github.com/alexedwards/scs/pgxstore.
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);
