DROP FUNCTION jsonb_sum_counts(jsonb, jsonb);
DROP TABLE erasure_batches;
ALTER TABLE erasures DROP COLUMN held_by_date;
DELETE FROM erasures WHERE job_id IS NOT NULL;
ALTER TABLE erasures DROP COLUMN job_id,
    ALTER COLUMN customer_id SET NOT NULL,
    ALTER COLUMN customer_number SET NOT NULL;
DROP TABLE bulk_job_items;
DROP TABLE bulk_jobs;
