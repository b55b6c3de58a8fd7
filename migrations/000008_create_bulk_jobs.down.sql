DROP FUNCTION bulk_job_sum(bigint, text);
DROP TABLE erasure_batches;
DELETE FROM erasures WHERE job_id IS NOT NULL;
ALTER TABLE erasures DROP COLUMN job_id,
    ALTER COLUMN customer_id SET NOT NULL,
    ALTER COLUMN customer_number SET NOT NULL;
DROP TABLE bulk_job_items;
DROP TABLE bulk_jobs;
