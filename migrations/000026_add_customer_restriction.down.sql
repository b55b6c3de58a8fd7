UPDATE bulk_job_items SET outcome = 'failed' WHERE outcome = 'skipped_restricted';
ALTER TABLE bulk_job_items DROP CONSTRAINT bulk_job_items_outcome_check,
    ADD CONSTRAINT bulk_job_items_outcome_check CHECK (outcome IN ('anonymised', 'deleted', 'skipped_retention',
        'skipped_anonymised', 'gone', 'failed'));
DROP INDEX customers_restricted;
ALTER TABLE customers DROP CONSTRAINT customers_restriction_reason,
    DROP COLUMN restriction_lift_told_at,
    DROP COLUMN restriction_lifted_by,
    DROP COLUMN restriction_lifted_at,
    DROP COLUMN restriction_request_id,
    DROP COLUMN restriction_reason,
    DROP COLUMN restricted_by,
    DROP COLUMN restricted_at;
