-- Issue 18, item 2: a credit report on a person may be taken only with a legitimate need
-- (kreditupplysningslagen 9 §); the need and the bureau's reference are recorded with it. Reports recorded
-- before this migration did not record them: 'unrecorded', which the form never offers.
ALTER TABLE credit_reports
    ADD COLUMN need text NOT NULL DEFAULT 'unrecorded'
        CHECK (need IN ('credit_application', 'existing_agreement', 'risk_assessment', 'unrecorded')),
    ADD COLUMN reference text NOT NULL DEFAULT '';
ALTER TABLE credit_reports ALTER COLUMN need DROP DEFAULT;
