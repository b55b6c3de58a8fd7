ALTER TABLE suppliers DROP COLUMN anonymised_at;
