-- The server's role owns nothing (ASVS 13.2.2), and PostgreSQL lets only a table's owner ANALYZE it (a
-- non-owner's ANALYZE is skipped with a warning). A large frozen selection needs fresh statistics, or the
-- workers' updates by (job, customer) plan a scan of the whole job: this function, the owner's, refreshes
-- them for whoever may call it, and does nothing else.
CREATE FUNCTION analyze_bulk_job_items() RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ ANALYZE public.bulk_job_items $$;
