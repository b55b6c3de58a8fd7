CREATE SEQUENCE quote_number_seq START 50001;

-- Quotes (offerter) to customers. An accepted quote is a sale, an accounting record kept for the
-- bookkeeping retention period, so a customer with quotes cannot simply be deleted (RESTRICT).
CREATE TABLE quotes (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number               bigint NOT NULL UNIQUE DEFAULT nextval('quote_number_seq'),
    customer_id          bigint NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
    status               text NOT NULL DEFAULT 'draft'
                         CHECK (status IN ('draft', 'sent', 'accepted', 'rejected', 'expired')),
    quote_date           date NOT NULL,
    valid_until          date NOT NULL,
    net_ore              bigint NOT NULL DEFAULT 0,
    vat_ore              bigint NOT NULL DEFAULT 0,
    total_ore            bigint NOT NULL DEFAULT 0,
    -- The customer's billing details as sent: personal data, erased with the customer unless held.
    billing_name         text NOT NULL DEFAULT '',
    billing_street       text NOT NULL DEFAULT '',
    billing_postal_code  text NOT NULL DEFAULT '',
    billing_city         text NOT NULL DEFAULT '',
    billing_email        text NOT NULL DEFAULT '',
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    sent_at              timestamptz,
    decided_at           timestamptz, -- accepted, rejected or expired
    version              integer NOT NULL DEFAULT 1
);
ALTER SEQUENCE quote_number_seq OWNED BY quotes.number;
CREATE INDEX quotes_customer ON quotes (customer_id, quote_date DESC, id DESC);
CREATE INDEX quotes_status ON quotes (status, quote_date DESC, id DESC);
CREATE INDEX quotes_accepted ON quotes (customer_id, decided_at) WHERE status = 'accepted';

CREATE TABLE quote_lines (
    quote_id        bigint NOT NULL REFERENCES quotes (id) ON DELETE CASCADE,
    position        integer NOT NULL,
    description     text NOT NULL,
    qty_milli       bigint NOT NULL CHECK (qty_milli > 0),
    unit_price_ore  bigint NOT NULL CHECK (unit_price_ore >= 0),
    vat_rate        integer NOT NULL CHECK (vat_rate IN (0, 6, 12, 25)),
    PRIMARY KEY (quote_id, position)
);

-- Company-wide settings, one row.
CREATE TABLE settings (
    id              boolean PRIMARY KEY DEFAULT true CHECK (id),
    retention_years integer NOT NULL DEFAULT 7 CHECK (retention_years BETWEEN 1 AND 30)
);
INSERT INTO settings DEFAULT VALUES;
