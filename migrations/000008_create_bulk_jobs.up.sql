-- Bulk erasure from the CRM screen (DESIGN.md §4): a job with its selection frozen when it was made
-- (bulk_job_items), worked in batches by river workers, each item done exactly once (outcome set in the
-- batch's transaction).
CREATE TABLE bulk_jobs (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ref              text NOT NULL UNIQUE, -- its erasure register entry and ledger records
    kind             text NOT NULL CHECK (kind IN ('delete', 'anonymise')),
    -- delete jobs: what to do with customers under retention: skip them, or anonymise them instead
    retained         text NOT NULL DEFAULT 'skip' CHECK (retained IN ('skip', 'anonymise')),
    filter           jsonb NOT NULL,    -- the filter the selection came from, as shown (no personal data)
    requested_by     bigint REFERENCES users (id),
    requested_name   text NOT NULL,
    reason           text NOT NULL DEFAULT '',
    status           text NOT NULL DEFAULT 'draft'
                     CHECK (status IN ('draft', 'queued', 'running', 'cancelled', 'done')),
    cancel_requested boolean NOT NULL DEFAULT false,
    total            integer NOT NULL,
    processed        integer NOT NULL DEFAULT 0,
    outcomes         jsonb NOT NULL DEFAULT '{}', -- {"anonymised": 10, "skipped_retention": 2, ...}
    verified_at      timestamptz,
    violations       integer,            -- customers the re-scan found still holding personal data
    created_at       timestamptz NOT NULL,
    confirmed_at     timestamptz,
    started_at       timestamptz,
    finished_at      timestamptz
);
CREATE INDEX bulk_jobs_requester ON bulk_jobs (requested_by, id DESC);
CREATE INDEX bulk_jobs_open ON bulk_jobs (status) WHERE status IN ('queued', 'running');

CREATE TABLE bulk_job_items (
    job_id          bigint NOT NULL REFERENCES bulk_jobs (id) ON DELETE CASCADE,
    customer_id     bigint NOT NULL, -- no foreign key: deleted customers stay listed with their outcome
    customer_number bigint NOT NULL,
    outcome         text CHECK (outcome IN ('anonymised', 'deleted', 'skipped_retention', 'skipped_anonymised',
                                            'gone', 'failed')),
    error           text,             -- a message id, for failures
    worker          text,             -- which server process did it (diagnostics)
    PRIMARY KEY (job_id, customer_id)
);
CREATE INDEX bulk_job_items_pending ON bulk_job_items (job_id, customer_id) WHERE outcome IS NULL;

-- A bulk job is one entry in the erasure register: customer columns are empty for it, and its holds are
-- counted per release date rather than listed per quote.
ALTER TABLE erasures ADD COLUMN job_id bigint,
    ALTER COLUMN customer_id DROP NOT NULL,
    ALTER COLUMN customer_number DROP NOT NULL;
ALTER TABLE erasures ADD COLUMN held_by_date jsonb NOT NULL DEFAULT '{}'; -- bulk jobs: {"2031-03-14": 12}

-- Every committed batch of a bulk job, by its ledger reference: a replay adds a batch's counts to the
-- job's register entry once.
CREATE TABLE erasure_batches (
    ref    text PRIMARY KEY,
    job_id bigint NOT NULL,
    at     timestamptz NOT NULL
);

-- Adds two {"key": number} objects key by key (progress and register counts grow batch by batch).
CREATE FUNCTION jsonb_sum_counts(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_object_agg(k, coalesce((a ->> k)::bigint, 0) + coalesce((b ->> k)::bigint, 0)), '{}')
    FROM (SELECT jsonb_object_keys(a) UNION SELECT jsonb_object_keys(b)) AS keys (k)
$$;
