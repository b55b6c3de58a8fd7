CREATE SEQUENCE supplier_number_seq START 20001;

-- Suppliers. Mostly companies; a sole trader's contact details are personal data too.
CREATE TABLE suppliers (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number      bigint NOT NULL UNIQUE DEFAULT nextval('supplier_number_seq'),
    name        text NOT NULL,
    org_number  text NOT NULL DEFAULT '',
    email       text NOT NULL DEFAULT '',
    phone       text NOT NULL DEFAULT '',
    street      text NOT NULL DEFAULT '',
    postal_code text NOT NULL DEFAULT '',
    city        text NOT NULL DEFAULT '',
    country     text NOT NULL DEFAULT 'SE',
    bankgiro    text NOT NULL DEFAULT '',
    plusgiro    text NOT NULL DEFAULT '',
    notes       text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    version     integer NOT NULL DEFAULT 1,
    search_text text GENERATED ALWAYS AS (lower(name || ' ' || email || ' ' || org_number || ' ' || number::text)) STORED
);
ALTER SEQUENCE supplier_number_seq OWNED BY suppliers.number;
CREATE INDEX suppliers_search_trgm ON suppliers USING gin (search_text gin_trgm_ops);
CREATE INDEX suppliers_name_sort ON suppliers ((name COLLATE "sv-x-icu"), id);

CREATE TABLE supplier_contacts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    supplier_id bigint NOT NULL REFERENCES suppliers (id) ON DELETE CASCADE,
    name        text NOT NULL,
    role        text NOT NULL DEFAULT '',
    email       text NOT NULL DEFAULT '',
    phone       text NOT NULL DEFAULT ''
);
CREATE INDEX supplier_contacts_supplier ON supplier_contacts (supplier_id, id);
