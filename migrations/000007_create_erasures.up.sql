-- The erasure register: one row per deletion or anonymisation of a customer. It holds no personal data:
-- the customer number, counts per kind of data, the quote snapshots kept under a retention hold with
-- their release dates, and the reason the user typed. ref is also written to the erasure ledger outside
-- this database (internal/gdpr), so a restore from an older backup can be re-erased.
CREATE TABLE erasures (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ref             text NOT NULL UNIQUE,
    at              timestamptz NOT NULL,
    -- Who: no foreign key, as a replay after a restore may bring back entries made by users the
    -- restored database does not have; the name is kept as it was.
    actor_id        bigint,
    actor_name      text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('delete', 'anonymise')),
    customer_id     bigint NOT NULL, -- no foreign key: a deleted customer is gone
    customer_number bigint NOT NULL,
    counts          jsonb NOT NULL, -- {"contacts": 2, "credit_reports": 1, ...}
    holds           jsonb NOT NULL, -- [{"quote": 50012, "until": "2031-03-14"}]
    reason          text NOT NULL
);
CREATE INDEX erasures_at ON erasures (at DESC, id DESC);
CREATE INDEX erasures_customer ON erasures (customer_id);

-- A quote of an anonymised customer whose billing snapshot is kept because the quote is an accounting
-- record: held_until is the first day it may be cleared (the release job does so).
ALTER TABLE quotes ADD COLUMN held_until date;
CREATE INDEX quotes_held ON quotes (held_until) WHERE held_until IS NOT NULL;

-- Keyed hashes of erased customers' e-mail addresses, phone numbers and personal/organisation numbers,
-- so that re-creating an erased person warns. The key is in the configuration, not in the database.
-- One row per erasure and identifier, without a unique key: bulk workers erasing people who share an
-- e-mail or phone would otherwise wait for each other's commits.
CREATE TABLE erasure_suppressions (
    hash      bytea NOT NULL,
    erased_at timestamptz NOT NULL
);
CREATE INDEX erasure_suppressions_hash ON erasure_suppressions (hash);
