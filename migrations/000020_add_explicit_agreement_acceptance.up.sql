-- An admin may also accept a version explicitly ("Jag har läst avtalet"), beside acceptance by continued
-- use (accepted_at). Versions are now published by the operator from the command line, so published_by
-- stays NULL for them.
ALTER TABLE agreement_recipients ADD COLUMN accepted_explicitly_at timestamptz;
