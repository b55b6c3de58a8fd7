-- Audit appends take no lock (issue 19). A request inserts its events, without hashes, in the transaction
-- of the change they record, and lists them in audit_pending; a sealer, one at a time, later chains the
-- committed ones in audit_seals: the chain's position (seq), the event, and the hashes that link it to
-- the event before. The hash covers the event's id and content, as it did; only where it is kept moved.
CREATE TABLE audit_seals (
    seq       bigint PRIMARY KEY,
    event_id  bigint NOT NULL UNIQUE,
    prev_hash bytea NOT NULL,
    hash      bytea NOT NULL
);
INSERT INTO audit_seals (seq, event_id, prev_hash, hash)
    SELECT row_number() OVER (ORDER BY id), id, prev_hash, hash FROM audit_events;
ALTER TABLE audit_events DROP COLUMN prev_hash, DROP COLUMN hash;

-- The events not sealed yet, so the sealer need not search the whole log for them. Emptied as they are
-- sealed; an event missing from both (its row deleted here) is what affar audit verify reports as unsealed.
CREATE TABLE audit_pending (event_id bigint PRIMARY KEY);

-- The seals are append-only as the events are, by the same function, which now names its table.
CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP;
END;
$$;
CREATE TRIGGER audit_seals_no_update_delete BEFORE UPDATE OR DELETE ON audit_seals
    FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
CREATE TRIGGER audit_seals_no_truncate BEFORE TRUNCATE ON audit_seals
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();
