-- The audit log's date filter (issue 16): "who viewed customer 10009 last week" over millions of events.
CREATE INDEX audit_events_at ON audit_events (at, id);
