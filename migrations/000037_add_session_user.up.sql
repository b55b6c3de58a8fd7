-- Issue 19, item 3: a session keeps the id of its user_sessions row beside its data (written by the
-- session store from the data), so that a request reads its session and its user in one statement.
-- Sessions committed before have none; their user is read as before until their next write.
ALTER TABLE sessions ADD COLUMN user_session text;
