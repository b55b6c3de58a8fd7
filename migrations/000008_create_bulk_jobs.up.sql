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
-- A job's page finds its register entry on every progress poll.
CREATE INDEX erasures_job ON erasures (job_id) WHERE job_id IS NOT NULL;
-- Every committed batch of a bulk job, by its ledger reference, with what it did. A job's progress and
-- its register entry's counts are the sums over its batches: no row is shared by the workers of a job,
-- so they never wait for each other's commits. A replay inserts a batch once.
CREATE TABLE erasure_batches (
    ref       text PRIMARY KEY,
    job_id    bigint NOT NULL,
    at        timestamptz NOT NULL,
    processed integer NOT NULL,  -- customers the batch took
    outcomes  jsonb NOT NULL,    -- {"anonymised": 498, "skipped_anonymised": 2}
    counts    jsonb NOT NULL,    -- per kind of data, as an erasure register entry counts
    held      jsonb NOT NULL     -- quote snapshots kept, per release date: {"2031-03-14": 12}
);
CREATE INDEX erasure_batches_job ON erasure_batches (job_id);

-- The sum of a job's batches' {"key": number} objects, key by key.
CREATE FUNCTION bulk_job_sum(job bigint, what text) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_object_agg(key, total), '{}') FROM (
        SELECT x.key, sum(x.value::bigint) AS total
        FROM erasure_batches b CROSS JOIN jsonb_each_text(CASE what WHEN 'outcomes' THEN b.outcomes
            WHEN 'counts' THEN b.counts ELSE b.held END) AS x
        WHERE b.job_id = job GROUP BY x.key) s
$$;
