DROP FUNCTION IF EXISTS analyze_bulk_job_items();
