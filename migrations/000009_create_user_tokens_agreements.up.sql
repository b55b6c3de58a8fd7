-- Invitation and password-reset links. Only a sha256 digest of the token is stored, so the table cannot be
-- used to set a password; a link works once (used_at) and until expires_at. The e-mail carrying a link
-- (outbox) loses the token once it is sent by SMTP, used or replaced.
CREATE TABLE user_tokens (
    hash       bytea PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    text NOT NULL CHECK (purpose IN ('invite', 'reset')),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX user_tokens_user ON user_tokens (user_id);

-- Exports are rate-limited per user by counting the user's recent export events.
CREATE INDEX audit_events_exports ON audit_events (actor_user_id, at) WHERE action LIKE 'export.%';

-- Versions of the data processing agreement (personuppgiftsbiträdesavtal). The body is kept as published,
-- with its sha256, so what each admin received can be proven later.
CREATE TABLE agreement_versions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version      text NOT NULL UNIQUE,
    body         text NOT NULL,
    sha256       text NOT NULL,
    published_by bigint REFERENCES users (id) ON DELETE SET NULL,
    published_at timestamptz NOT NULL
);

-- Who a version was sent to and when they accepted it by continued use (their first
-- sign-in after sending). The address is the one the agreement was sent to at the time.
CREATE TABLE agreement_recipients (
    version_id  bigint NOT NULL REFERENCES agreement_versions (id),
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email       text NOT NULL,
    outbox_id   bigint NOT NULL, -- the message; its sent_at is when the version was sent to this admin
    accepted_at timestamptz,
    PRIMARY KEY (version_id, user_id)
);
CREATE INDEX agreement_recipients_pending ON agreement_recipients (user_id) WHERE accepted_at IS NULL;

-- Outgoing e-mail. A river job delivers each message through SMTP; without SMTP settings it is only shown
-- on the outbox page (and logged without its body).
CREATE TABLE outbox (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient  text NOT NULL,
    subject    text NOT NULL,
    body       text NOT NULL,
    created_at timestamptz NOT NULL,
    sent_at    timestamptz,
    via        text CHECK (via IN ('smtp', 'page')),
    attempts   integer NOT NULL DEFAULT 0,
    last_error text NOT NULL DEFAULT ''
);
ALTER TABLE agreement_recipients ADD FOREIGN KEY (outbox_id) REFERENCES outbox (id);
