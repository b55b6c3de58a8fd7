-- The quote list (/quotes) shows the newest quotes first and sorts by total: both orders read an index
-- instead of sorting every quote for one page. Sorting by number uses its unique index.
CREATE INDEX quotes_date ON quotes (quote_date, id);
CREATE INDEX quotes_total ON quotes (total_ore, id);
