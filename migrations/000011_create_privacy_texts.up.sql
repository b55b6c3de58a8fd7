-- The company's own wording of what a subject-access copy tells the person (GDPR art. 15(1)): the
-- controller's name and contact, recipients, transfers, and per kind of data its purpose, legal basis and
-- source. A topic without a row uses Affär's default text. No personal data of customers.
CREATE TABLE privacy_texts (
    topic      text PRIMARY KEY,
    body       text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    updated_at timestamptz NOT NULL,
    updated_by bigint REFERENCES users (id) ON DELETE SET NULL
);
