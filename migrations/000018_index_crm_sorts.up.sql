-- The CRM table sorts by every column with keyset paging (issue 15, item 5): each order needs an index
-- ending in id. Number (unique), name and last activity have theirs (migration 3), the town gets its own in
-- migration 19 (shared with the customer register); the kind gets one here.
CREATE INDEX customers_kind_sort ON customers (kind, id);
