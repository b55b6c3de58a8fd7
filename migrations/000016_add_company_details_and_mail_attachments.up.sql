-- The company's own details, printed on quote documents (issue 15, item 4): who sends the quote, its VAT
-- registration number (SE + organisation number + 01), the default terms, and the language of documents.
-- None of it is a customer's personal data.
ALTER TABLE settings
    ADD COLUMN company_name        text NOT NULL DEFAULT '',
    ADD COLUMN company_org_number  text NOT NULL DEFAULT '',
    ADD COLUMN company_street      text NOT NULL DEFAULT '',
    ADD COLUMN company_postal_code text NOT NULL DEFAULT '',
    ADD COLUMN company_city        text NOT NULL DEFAULT '',
    ADD COLUMN company_email       text NOT NULL DEFAULT '',
    ADD COLUMN company_phone       text NOT NULL DEFAULT '',
    ADD COLUMN company_vat_number  text NOT NULL DEFAULT '',
    ADD COLUMN quote_terms         text NOT NULL DEFAULT '',
    ADD COLUMN document_language   text NOT NULL DEFAULT 'sv' CHECK (document_language IN ('sv', 'en'));

-- Files sent with an outbox message (a quote's PDF). The content is dropped once the message has left by
-- SMTP (the name and size stay, for the outbox page), as the links in a body are.
CREATE TABLE outbox_attachments (
    outbox_id    bigint NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    position     integer NOT NULL,
    filename     text NOT NULL,
    content_type text NOT NULL,
    size         integer NOT NULL,
    content      bytea,
    PRIMARY KEY (outbox_id, position)
);
