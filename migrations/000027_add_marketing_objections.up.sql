-- Objections to direct marketing (GDPR art. 21(2)-(3)): absolute, so a customer with an objection that is
-- not lifted is left out of every marketing export and label print. Only the person's own new consent
-- lifts it (lifted_at), and the row stays as history. One objection in force per customer.
CREATE TABLE marketing_objections (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id  bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    objected_on  date NOT NULL, -- when the person objected, as they told it
    channel      text NOT NULL CHECK (channel IN ('letter', 'email', 'phone', 'in_person', 'other')),
    recorded_at  timestamptz NOT NULL,
    recorded_by  bigint REFERENCES users (id),
    -- Carried over from an erased customer's objection_hashes when the same person was created again.
    carried_over boolean NOT NULL DEFAULT false,
    lifted_at    timestamptz,
    -- The data-subject request the objection came with; the request register links it later (no foreign
    -- key yet).
    request_id   bigint
);
CREATE INDEX marketing_objections_customer ON marketing_objections (customer_id, id);
CREATE UNIQUE INDEX marketing_objections_in_force ON marketing_objections (customer_id) WHERE lifted_at IS NULL;

-- An objection outlives the erasure of its customer (in DM-nämnden 18-421 an anonymised ex-customer was
-- marketed to again): keyed hashes of the erased customer's e-mail, phone and identity number, as the
-- suppression list keeps them (AFFAR_ERASURE_SALT), with the objection's date and channel, so that creating
-- the person again carries the objection. lifted marks an erased customer whose objection had been lifted
-- by new consent: the newest row for a hash decides. Append-only for the serve role, like the
-- suppression list. No personal data in clear.
CREATE TABLE objection_hashes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- the order of erasures at the same instant
    hash        bytea NOT NULL,
    objected_on date NOT NULL,
    channel     text NOT NULL,
    lifted      boolean NOT NULL,
    erased_at   timestamptz NOT NULL
);
CREATE INDEX objection_hashes_hash ON objection_hashes (hash);
