-- The reasons redacted by the up migration stay redacted: what was removed is not kept anywhere.
ALTER TABLE bulk_jobs DROP COLUMN retry_error, DROP COLUMN retry_at, DROP COLUMN retry_attempt;
DROP FUNCTION erasure_reason_redacted(text, boolean);
DROP FUNCTION erasure_reason_names(text, text[], boolean, text, text, text);
DROP FUNCTION erasure_reason_words(text);
DROP FUNCTION erasure_reason_scrubbed(text);
