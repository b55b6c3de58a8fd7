-- Issue 18, item 3: importing customers from a file. The rows are kept only from the upload until the
-- import ends (then their values are cleared, row numbers and outcomes stay) or its preview is discarded:
-- what the user chose, and what each row came to, without the data.
CREATE TABLE customer_imports (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL,
    total        integer NOT NULL,
    status       text NOT NULL DEFAULT 'preview' CHECK (status IN ('preview', 'queued', 'done')),
    duplicates   text CHECK (duplicates IN ('skip', 'update')),
    fields       text[] NOT NULL, -- the customer fields the file has (an update changes only those)
    confirmed_at timestamptz,
    finished_at  timestamptz
);

CREATE TABLE customer_import_rows (
    import_id  bigint NOT NULL REFERENCES customer_imports (id) ON DELETE CASCADE,
    row_no     integer NOT NULL, -- the file's line, the headings being line 1
    input      jsonb,            -- the row's values by field; NULL once the import has ended
    state      text NOT NULL CHECK (state IN ('ok', 'invalid', 'duplicate', 'held')),
    problems   jsonb NOT NULL DEFAULT '{}', -- field → message id
    match_id   bigint,           -- the existing customer a duplicate matches (no foreign key: it may go)
    match_on   text,             -- which field matched: number, id_number or email
    erased_at  timestamptz,      -- held: when the person matching was erased
    objected   boolean NOT NULL DEFAULT false, -- held: an objection was kept from an erased customer
    include    boolean NOT NULL DEFAULT false, -- held: confirmed one by one to be imported all the same
    outcome    text CHECK (outcome IN ('created', 'updated', 'skipped', 'left_out', 'failed')),
    PRIMARY KEY (import_id, row_no)
);
CREATE INDEX customer_import_rows_pending ON customer_import_rows (import_id, row_no) WHERE outcome IS NULL;
