ALTER TABLE settings DROP COLUMN holds_rule;
ALTER TABLE settings DROP COLUMN fiscal_year_end_month;
