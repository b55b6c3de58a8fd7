-- The daily verification of the audit chain (internal/chainwatch): each run's outcome and the head it
-- mailed, so the dashboard can show the last one and an auditor can see that the head left the building.
CREATE TABLE chain_checks (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    checked_at   timestamptz NOT NULL,
    ok           boolean NOT NULL,
    events       bigint NOT NULL,
    head_id      bigint,         -- the newest event walked (NULL on an empty log)
    head_hash    bytea,
    broken_event bigint,         -- the first event whose link does not hold, when not ok
    reason       text NOT NULL DEFAULT '',
    recipients   integer NOT NULL -- how many were e-mailed the head (or the alarm)
);
