-- Refusals counted instead of appended to the audit chain one by one (issue 13): per user, route (the
-- pattern) and minute, the first refusal is an audit event and the ones after it only raise count here,
-- which takes no audit lock. Once the minute is over the count goes into the chain as an
-- authz.denied_repeated event (with the next first refusal, or the periodic flush) and the row is deleted,
-- so the table stays small. recorded says whether the minute's first refusal is in the chain already; a
-- row whose event was never written (a crash between the two) is counted whole. Ids and patterns only.
CREATE TABLE denial_counts (
    user_id    bigint      NOT NULL,
    route      text        NOT NULL,
    permission text        NOT NULL,
    minute     timestamptz NOT NULL,
    count      integer     NOT NULL,
    recorded   boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (user_id, route, minute)
) WITH (fillfactor = 50); -- room on the page, so raising a count is a HOT update
