DROP INDEX audit_events_action_at;
DROP INDEX audit_events_actor_at;
CREATE INDEX audit_events_actor_idx ON audit_events (actor_user_id, id);
