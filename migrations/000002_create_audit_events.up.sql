-- Append-only, hash-chained record of who did what. details holds ids and field names, never personal data.
-- The id is taken from the sequence before the insert because the hash covers it; ids may have gaps
-- (rolled-back transactions), the chain proves completeness.
CREATE SEQUENCE audit_events_id_seq;
CREATE TABLE audit_events (
    id            bigint PRIMARY KEY DEFAULT nextval('audit_events_id_seq'),
    at            timestamptz NOT NULL,
    actor_user_id bigint,
    action        text NOT NULL,
    entity_type   text NOT NULL DEFAULT '',
    entity_id     bigint,
    details       jsonb NOT NULL DEFAULT '{}',
    prev_hash     bytea NOT NULL,
    hash          bytea NOT NULL
);
CREATE INDEX audit_events_entity_idx ON audit_events (entity_type, entity_id, id);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_user_id, id);

CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP;
END;
$$;

CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();
