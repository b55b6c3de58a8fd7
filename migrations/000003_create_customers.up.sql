CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE SEQUENCE customer_number_seq START 10001;

-- The customer register. Nearly every column is personal data: internal/gdpr's inventory lists them.
CREATE TABLE customers (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number             bigint NOT NULL UNIQUE DEFAULT nextval('customer_number_seq'),
    kind               text NOT NULL CHECK (kind IN ('person', 'company')),
    name               text NOT NULL,
    id_number          text NOT NULL DEFAULT '', -- personnummer YYYYMMDD-NNNN or org number NNNNNN-NNNN
    email              text NOT NULL DEFAULT '',
    phone              text NOT NULL DEFAULT '',
    street             text NOT NULL DEFAULT '',
    postal_code        text NOT NULL DEFAULT '',
    city               text NOT NULL DEFAULT '',
    country            text NOT NULL DEFAULT 'SE',
    notes              text NOT NULL DEFAULT '',
    marketing_consent  boolean NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    last_activity_at   timestamptz NOT NULL,
    anonymised_at      timestamptz,
    version            integer NOT NULL DEFAULT 1, -- raised by every edit of the details (stale forms are refused)
    -- lower(city) as a column, so the town index below can answer filters on its own (index-only scans do
    -- not work from an expression index).
    city_key           text GENERATED ALWAYS AS (lower(city)) STORED,
    -- Names and e-mail addresses are searched as substrings through one trigram index on this text.
    search_text        text GENERATED ALWAYS AS (lower(name || ' ' || email)) STORED,
    -- Numbers are searched from their start: digits alone make poor trigrams (ten symbols), so these get
    -- prefix indexes. The phone in national form (+46 70 → 070); personnummer without the century.
    phone_digits       text GENERATED ALWAYS AS (
        regexp_replace(regexp_replace(phone, '[^0-9]', '', 'g'), '^46', '0')) STORED,
    id_digits          text GENERATED ALWAYS AS (right(regexp_replace(id_number, '[^0-9]', '', 'g'), 10)) STORED
);
ALTER SEQUENCE customer_number_seq OWNED BY customers.number;

CREATE INDEX customers_search_trgm ON customers USING gin (search_text gin_trgm_ops);
CREATE INDEX customers_phone_prefix ON customers (phone_digits text_pattern_ops);
CREATE INDEX customers_id_prefix ON customers (id_digits text_pattern_ops);
-- Sorting and keyset pagination: each sort order has an index ending in id.
-- The default order. search_text is included so a search walks this index and tests each entry without
-- reading the table (an index-only scan), whatever share of the register matches.
CREATE INDEX customers_name_sort ON customers ((name COLLATE "sv-x-icu"), id) INCLUDE (search_text);
CREATE INDEX customers_name_prefix ON customers (lower(name) text_pattern_ops);
CREATE INDEX customers_created_sort ON customers (created_at, id);
CREATE INDEX customers_activity_sort ON customers (last_activity_at, id);
-- Filtering by town is common; this serves it together with the default sort by name, and the other
-- filters from the index alone.
CREATE INDEX customers_city ON customers (city_key, (name COLLATE "sv-x-icu"), id)
    INCLUDE (kind, marketing_consent, created_at, last_activity_at);

CREATE TABLE customer_contacts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    name        text NOT NULL,
    role        text NOT NULL DEFAULT '',
    email       text NOT NULL DEFAULT '',
    phone       text NOT NULL DEFAULT ''
);
CREATE INDEX customer_contacts_customer ON customer_contacts (customer_id, id);

-- Every change of marketing consent, kept as history (when, how, who recorded it).
CREATE TABLE customer_consents (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    given       boolean NOT NULL,
    at          timestamptz NOT NULL,
    source      text NOT NULL,
    recorded_by bigint REFERENCES users (id)
);
CREATE INDEX customer_consents_customer ON customer_consents (customer_id, at);

CREATE TABLE credit_reports (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    bureau      text NOT NULL,
    taken_on    date NOT NULL,
    rating      text NOT NULL,
    limit_ore   bigint NOT NULL CHECK (limit_ore >= 0),
    remarks     text NOT NULL DEFAULT '',
    recorded_at timestamptz NOT NULL,
    recorded_by bigint REFERENCES users (id)
);
CREATE INDEX credit_reports_customer ON credit_reports (customer_id, taken_on);
