-- Restriction of processing (GDPR art. 18): a restricted customer is stored but not processed. The current
-- restriction lives on the customer row, so every listing excludes it through one condition
-- (postgres.unrestricted) answered from the small partial index below; its history is the audit log.
-- Only kinds of reason are stored, never free text. request_id will point at the data-subject request
-- register once that exists (no foreign key yet).
ALTER TABLE customers
    ADD COLUMN restricted_at            timestamptz,
    ADD COLUMN restricted_by            bigint REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN restriction_reason       text CHECK (restriction_reason IN
        ('accuracy_contested', 'unlawful_processing', 'legal_claims', 'objection_pending')),
    ADD COLUMN restriction_request_id   bigint,
    ADD COLUMN restriction_lifted_at    timestamptz,
    ADD COLUMN restriction_lifted_by    bigint REFERENCES users (id) ON DELETE SET NULL,
    -- Art. 18(3): the person is told before a restriction is lifted; set when that letter has gone.
    ADD COLUMN restriction_lift_told_at timestamptz,
    ADD CONSTRAINT customers_restriction_reason CHECK ((restricted_at IS NULL) = (restriction_reason IS NULL));

CREATE INDEX customers_restricted ON customers (id) WHERE restricted_at IS NOT NULL;

-- A bulk job meets a customer restricted after its selection was frozen: it leaves them alone.
ALTER TABLE bulk_job_items DROP CONSTRAINT bulk_job_items_outcome_check,
    ADD CONSTRAINT bulk_job_items_outcome_check CHECK (outcome IN ('anonymised', 'deleted', 'skipped_retention',
        'skipped_anonymised', 'skipped_restricted', 'gone', 'failed'));
