-- The CRM table sorts by every column with keyset paging (issue 15, item 5): each order needs an index
-- ending in id. Number (unique), name and last activity have theirs (migration 3); town and kind get one.
CREATE INDEX customers_city_sort ON customers ((city COLLATE "sv-x-icu"), id);
CREATE INDEX customers_kind_sort ON customers (kind, id);
