-- The audit log lists by time (issue 16). A user's week and one kind of event on a day read these in the
-- page's order; with (actor_user_id, id) PostgreSQL walked the whole log backwards looking for the week
-- (0.7 s at 10 M events, make bench-audit).
DROP INDEX audit_events_actor_idx;
CREATE INDEX audit_events_actor_at ON audit_events (actor_user_id, at, id);
CREATE INDEX audit_events_action_at ON audit_events (action, at, id);
