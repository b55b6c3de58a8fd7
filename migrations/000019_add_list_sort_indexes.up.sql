-- Every column of the customer register, the audit log and the erasure register sorts the list, paged by
-- keyset (sort key, id): each order gets an index ending in id, so a page deep in a large list reads only
-- its rows. (The customer number needs none: it is unique, and EXPLAIN on 200,000 customers shows its
-- unique index serving ORDER BY number, id with an incremental sort of one row per number.)
CREATE INDEX customers_id_number_sort ON customers ((id_number COLLATE "sv-x-icu"), id);
CREATE INDEX customers_email_sort ON customers ((email COLLATE "sv-x-icu"), id);
CREATE INDEX customers_phone_sort ON customers ((phone COLLATE "sv-x-icu"), id);
CREATE INDEX customers_city_sort ON customers ((city COLLATE "sv-x-icu"), id);

-- The audit log by who acted (the system, with no user, first) and by event.
CREATE INDEX audit_events_actor_sort ON audit_events ((coalesce(actor_user_id, 0)), id);
CREATE INDEX audit_events_action_sort ON audit_events (action, id);

-- The erasure register by who erased, by kind and by customer number (a bulk job's entries have none).
CREATE INDEX erasures_actor_sort ON erasures ((actor_name COLLATE "sv-x-icu"), id);
CREATE INDEX erasures_kind_sort ON erasures (kind, id);
CREATE INDEX erasures_customer_sort ON erasures ((coalesce(customer_number, 0)), id);
