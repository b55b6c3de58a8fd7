-- The reason typed for an erasure is kept in the erasure register and in the ledger file, which outlive
-- every erasure: it must hold no personal data. These functions are the one definition of that rule. The
-- services check a reason with them before an erasure or a bulk job (postgres.CheckReason), a replay
-- passes the reasons of the ledger through them, and below they redact the reasons stored before.

-- erasure_reason_scrubbed(reason) is reason with every e-mail-like token and every run of six or more
-- digits (a single space or hyphen between digits ignored: 070-123 45 67, 556036-0793) replaced by '[…]'.
-- An ISO date (2026-11-20, also before a time: 2026-11-20 14:30) is no such run, unless glued to more
-- digits by a hyphen (1969-02-20-1234) or followed by four digits alone, a personnummer's last four
-- (1969-02-20 1234):
-- it is fenced with chr(1) and its hyphens become chr(2) while the digits are looked at. Reasons hold no
-- control characters (the forms refuse them), so neither can be there already.
CREATE FUNCTION erasure_reason_scrubbed(reason text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT replace(replace(regexp_replace(regexp_replace(
        regexp_replace(reason, '(?<![0-9]|[0-9]-)([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(?![0-9]|-[0-9]|[[:space:]][0-9]{4}(?![0-9:.]))',
            chr(1) || '\1' || chr(2) || '\2' || chr(2) || '\3' || chr(1), 'g'),
        '[^[:space:]@]*[[:alnum:]]@[[:alnum:]][^[:space:]]*', '[…]', 'g'),
        '[0-9]([[:space:]-]?[0-9]){5,}', '[…]', 'g'),
        chr(2), '-'), chr(1), '')
$$;

-- erasure_reason_words(reason) are the words of reason, lower-cased, of three letters or more. Lower-cased
-- as the names below are, by the database's own lower(): the same on both sides whatever its locale.
CREATE FUNCTION erasure_reason_words(reason text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT w), '{}')
    FROM regexp_split_to_table(lower(reason), '[^[:alnum:]]+') AS w WHERE char_length(w) >= 3
$$;

-- erasure_reason_names(lowered, words, parts, name, email, street) tells whether a reason (lower-cased,
-- with its erasure_reason_words) names someone with these details: their whole name or street (three
-- letters or more), the part of their e-mail address before the @ (a word of its own, or anywhere if it
-- has a dot, hyphen or underscore: karin.lund; a whole address is refused as such), or, with parts, a
-- first or last name alone as a word. Parts are for the erasure of one customer; in a bulk job's
-- selection of thousands every common word is somebody's name (Per, Berg, Lund), so there whole names
-- count. It runs once per selected customer: the cheap strpos first, each column lower-cased once (a
-- million customers take about a second).
CREATE FUNCTION erasure_reason_names(lowered text, words text[], parts boolean, name text, email text, street text)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT strpos(lowered, lower(name)) > 0 AND char_length(name) >= 3
        OR (parts AND string_to_array(lower(name), ' ') && words)
        OR strpos(lowered, lower(street)) > 0 AND char_length(street) >= 3
        OR strpos(lowered, lower(split_part(email, '@', 1))) > 0 AND char_length(split_part(email, '@', 1)) >= 3
            AND (lower(split_part(email, '@', 1)) = ANY (words) OR split_part(email, '@', 1) ~ '[._-]')
$$;

-- erasure_reason_redacted(reason, names) is the reason as the register may keep it: '[…]' when it names
-- someone (names), else scrubbed.
CREATE FUNCTION erasure_reason_redacted(reason text, names boolean) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN names THEN '[…]' ELSE erasure_reason_scrubbed(reason) END
$$;

-- The reasons stored before the rule. Whose names can still be checked: the customers of a bulk job that
-- it did not erase (skipped, failed, cancelled) and their contact persons, a single erasure's customer if
-- it is still there, and the billing snapshots of quotes kept under the bookkeeping hold (an anonymised
-- customer's name stays on them). The names of customers erased for good are gone, so a reason naming
-- one of them can no longer be recognised as such; e-mail addresses and long numbers are, always.
UPDATE bulk_jobs j SET reason = erasure_reason_redacted(j.reason,
        EXISTS (SELECT 1 FROM bulk_job_items i JOIN customers c ON c.id = i.customer_id
            WHERE i.job_id = j.id AND c.anonymised_at IS NULL
                AND erasure_reason_names(r.lowered, r.words, false, c.name, c.email, c.street))
        OR EXISTS (SELECT 1 FROM bulk_job_items i JOIN customer_contacts k ON k.customer_id = i.customer_id
            WHERE i.job_id = j.id AND erasure_reason_names(r.lowered, r.words, false, k.name, k.email, ''))
        OR EXISTS (SELECT 1 FROM bulk_job_items i JOIN quotes q ON q.customer_id = i.customer_id
            WHERE i.job_id = j.id AND q.held_until IS NOT NULL
                AND erasure_reason_names(r.lowered, r.words, false, q.billing_name, q.billing_email, q.billing_street)))
    FROM (SELECT id, lower(reason) AS lowered, erasure_reason_words(reason) AS words FROM bulk_jobs) r
    WHERE r.id = j.id AND j.reason <> '';

-- A job's register entry holds a copy of its reason.
UPDATE erasures e SET reason = coalesce(
        (SELECT j.reason FROM bulk_jobs j WHERE j.id = e.job_id AND j.ref = e.ref), erasure_reason_scrubbed(e.reason))
    WHERE e.job_id IS NOT NULL;

UPDATE erasures e SET reason = erasure_reason_redacted(e.reason,
        EXISTS (SELECT 1 FROM customers c WHERE c.id = e.customer_id AND c.anonymised_at IS NULL
            AND erasure_reason_names(r.lowered, r.words, c.kind = 'person', c.name, c.email, c.street))
        OR EXISTS (SELECT 1 FROM customer_contacts k WHERE k.customer_id = e.customer_id
            AND erasure_reason_names(r.lowered, r.words, true, k.name, k.email, ''))
        OR EXISTS (SELECT 1 FROM quotes q JOIN customers c ON c.id = q.customer_id
            WHERE q.customer_id = e.customer_id AND q.held_until IS NOT NULL
                AND erasure_reason_names(r.lowered, r.words, c.kind = 'person', q.billing_name, q.billing_email, q.billing_street)))
    FROM (SELECT id, lower(reason) AS lowered, erasure_reason_words(reason) AS words FROM erasures) r
    WHERE r.id = e.id AND e.job_id IS NULL;

-- Why a bulk job's work last failed and will be retried (a message id, never an error's text, which may
-- quote data), when, and on which attempt: the job's page shows it while no batch has committed since.
ALTER TABLE bulk_jobs ADD COLUMN retry_error text, ADD COLUMN retry_at timestamptz, ADD COLUMN retry_attempt integer;
