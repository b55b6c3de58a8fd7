DROP TABLE erasure_suppressions;
DROP INDEX quotes_held;
ALTER TABLE quotes DROP COLUMN held_until;
DROP TABLE erasures;
