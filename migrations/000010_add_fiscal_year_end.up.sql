-- The bookkeeping hold runs to the end of a calendar year counted from the end of the fiscal year
-- (Bokföringslagen 7 kap. 2 §), so the company's fiscal year end is a setting: the month on whose last day
-- it ends (December for a calendar year, another month for a broken fiscal year).
ALTER TABLE settings ADD COLUMN fiscal_year_end_month smallint NOT NULL DEFAULT 12
    CHECK (fiscal_year_end_month BETWEEN 1 AND 12);

-- Existing holds (quotes.held_until) were counted by the older rule (seven years from the decision day).
-- The rule has one home, in Go (domain.Retention), and SQL does no date arithmetic of its own, so this
-- records which version of the rule the stored holds follow; `affar migrate` (and serve's start) then
-- recomputes them in Go, once, and raises it (postgres.Migrate → alignHolds).
ALTER TABLE settings ADD COLUMN holds_rule smallint NOT NULL DEFAULT 1;
