-- Issue 18, item 1: storage limitation that runs itself (GDPR art. 5(1)(e)). A retention rule says, for
-- one category of personal data, after how many months it goes and how; each run, scheduled at night or
-- by hand, is recorded, also when it found nothing, so an auditor sees that the rule ran. Rules start
-- switched off with a conservative period: the company confirms them.
CREATE TABLE retention_rules (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    category    text NOT NULL UNIQUE CHECK (category IN ('inactive_customers', 'credit_reports')),
    months      integer NOT NULL CHECK (months BETWEEN 1 AND 600),
    action      text NOT NULL CHECK (action IN ('anonymise', 'delete', 'purge')),
    approval    boolean NOT NULL DEFAULT false, -- a run waits as a draft for a privacy.manage holder
    enabled     boolean NOT NULL DEFAULT false,
    updated_at  timestamptz,
    updated_by  bigint REFERENCES users (id) ON DELETE SET NULL
);

INSERT INTO retention_rules (category, months, action) VALUES
    ('inactive_customers', 36, 'anonymise'),
    ('credit_reports', 12, 'purge');

CREATE TABLE retention_runs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule_id     bigint NOT NULL REFERENCES retention_rules (id),
    at          timestamptz NOT NULL,
    by_hand     boolean NOT NULL,
    cutoff      date NOT NULL, -- data last used before this day was due
    found       integer NOT NULL,
    outcome     text NOT NULL CHECK (outcome IN ('nothing', 'started', 'awaiting_approval', 'busy', 'purged')),
    job_id      bigint REFERENCES bulk_jobs (id) ON DELETE SET NULL,
    approved_at timestamptz,
    approved_by bigint REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX retention_runs_rule ON retention_runs (rule_id, id);
