-- Work done on a data subject's request names it: an erasure (shown in the erasure register with the
-- request's number), a restriction and an objection. Requests are never deleted by the application; the
-- erasure keeps its link (no ON DELETE: a request with an erasure is evidence and stays), a customer's
-- restriction and an objection lose theirs if one ever is. Dangling ids from before are cleared first.
ALTER TABLE erasures ADD COLUMN request_id bigint REFERENCES subject_requests (id);
CREATE INDEX erasures_request ON erasures (request_id) WHERE request_id IS NOT NULL;

UPDATE customers c SET restriction_request_id = NULL
    WHERE restriction_request_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM subject_requests r WHERE r.id = c.restriction_request_id);
ALTER TABLE customers ADD CONSTRAINT customers_restriction_request_fk FOREIGN KEY (restriction_request_id)
    REFERENCES subject_requests (id) ON DELETE SET NULL;

UPDATE marketing_objections o SET request_id = NULL
    WHERE request_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM subject_requests r WHERE r.id = o.request_id);
ALTER TABLE marketing_objections ADD CONSTRAINT marketing_objections_request_fk FOREIGN KEY (request_id)
    REFERENCES subject_requests (id) ON DELETE SET NULL;

-- The answer letters sent on a request, as sent: later edits to the request do not change them. The text
-- and PDF hold the requester's name and address, so the retention job clears them with the requester
-- (cleared_at); what was sent, when, by whom and how stays.
CREATE TABLE subject_request_letters (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id bigint NOT NULL REFERENCES subject_requests (id) ON DELETE CASCADE,
    language   text NOT NULL CHECK (language IN ('sv', 'en')),
    body       text NOT NULL,
    pdf        bytea,
    sent_at    timestamptz NOT NULL,
    sent_by    bigint REFERENCES users (id) ON DELETE SET NULL,
    method     text NOT NULL CHECK (method IN ('printed', 'email')),
    mail_id    bigint,
    cleared_at timestamptz,
    CHECK ((cleared_at IS NULL) = (pdf IS NOT NULL))
);
CREATE INDEX subject_request_letters_request ON subject_request_letters (request_id, id);
