DROP TABLE agreement_recipients;
DROP TABLE outbox;
DROP TABLE agreement_versions;
DROP INDEX audit_events_exports;
DROP TABLE user_tokens;
