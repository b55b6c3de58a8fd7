DROP TABLE audit_events;
DROP SEQUENCE audit_events_id_seq;
DROP FUNCTION audit_events_refuse_change();
