-- The register of data subjects' requests (GDPR art. 12–22) with the legal clock of art. 12(3). A request
-- is numbered per year of registration ("2026-0001"). The requester as typed is personal data: it is
-- cleared (requester_cleared_at) once the request is closed and the retention in settings has passed.
-- Customers are linked by id and number without a foreign key: the register must outlive an erasure the
-- request itself asked for (art. 5(2) accountability), so it keeps the number, not the person.
CREATE TABLE subject_requests (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    year                 integer NOT NULL CHECK (year BETWEEN 2000 AND 9999),
    seq                  integer NOT NULL CHECK (seq > 0),
    kinds                text[] NOT NULL CHECK (cardinality(kinds) > 0 AND kinds <@ ARRAY['access', 'rectification',
                             'erasure', 'restriction', 'objection', 'portability']),
    received_on          date NOT NULL,
    due_on               date NOT NULL, -- computed by domain.SubjectRequest.Due (art. 12(3)), stored to sort and remind by
    channel              text NOT NULL CHECK (channel IN ('letter', 'email', 'phone', 'in_person', 'other')),
    requester_name       text NOT NULL DEFAULT '',
    requester_address    text NOT NULL DEFAULT '',
    requester_email      text NOT NULL DEFAULT '',
    requester_cleared_at timestamptz,
    no_data              boolean NOT NULL DEFAULT false,
    extended_months      smallint NOT NULL DEFAULT 0 CHECK (extended_months BETWEEN 0 AND 2),
    extension_reason     text NOT NULL DEFAULT '',
    extension_notice     text NOT NULL DEFAULT '',
    extension_notice_on  date,
    identity_method      text NOT NULL DEFAULT '',
    identity_checked_on  date,
    identity_checked_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    status               text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'identifying', 'in_progress',
                             'answered', 'refused')),
    refusal_reason       text NOT NULL DEFAULT '',
    closed_on            date,
    notes                text NOT NULL DEFAULT '',
    handler_id           bigint REFERENCES users (id) ON DELETE SET NULL,
    registered_by        bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    reminded_on          date, -- the day the last reminder went out: the daily job mails once a day
    version              integer NOT NULL DEFAULT 1,
    UNIQUE (year, seq),
    CHECK ((status IN ('answered', 'refused')) = (closed_on IS NOT NULL)),
    CHECK (status <> 'refused' OR refusal_reason <> '')
);
CREATE INDEX subject_requests_open ON subject_requests (received_on, id) WHERE closed_on IS NULL;
CREATE INDEX subject_requests_due ON subject_requests (due_on, id);

CREATE TABLE subject_request_customers (
    request_id      bigint NOT NULL REFERENCES subject_requests (id) ON DELETE CASCADE,
    customer_id     bigint NOT NULL, -- no foreign key: see above
    customer_number bigint NOT NULL,
    PRIMARY KEY (request_id, customer_id)
);

-- What was done about a request: copies sent, data erased or rectified … Kinds are named in code
-- (domain.RequestActionKinds); ref points at what was done (an erasure's ref, a job id), never a person.
CREATE TABLE subject_request_actions (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id bigint NOT NULL REFERENCES subject_requests (id) ON DELETE CASCADE,
    at         timestamptz NOT NULL,
    by_user    bigint REFERENCES users (id) ON DELETE SET NULL,
    kind       text NOT NULL,
    ref        text NOT NULL DEFAULT '',
    note       text NOT NULL DEFAULT ''
);
CREATE INDEX subject_request_actions_request ON subject_request_actions (request_id, id);

-- How many days the requester's name, address and e-mail are kept after a request is closed.
ALTER TABLE settings ADD COLUMN request_retention_days integer NOT NULL DEFAULT 90
    CHECK (request_retention_days BETWEEN 0 AND 3650);
