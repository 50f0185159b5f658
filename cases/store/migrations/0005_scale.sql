-- Indexes for a store of many cases (100,000 and more).

-- The scheduler's due-deadline queries (the deadline chaser, the
-- follow-ups, the retention purge, the digest) ask for the open
-- deadlines of given kinds due before a time: with the kind first they
-- read only those, not every open deadline, and all they read of a
-- deadline is in the index (met_at is NULL in every entry). The listing
-- finds each case's next open deadline in it the same way.
CREATE INDEX deadlines_open ON deadlines(kind, due, case_id, article, met_at) WHERE met_at IS NULL;

-- The listing of cases, newest first (`klachtenbus cases`, the digest),
-- reads them in index order with no sort, also for one state (-state).
-- They take the place of the single-column indexes they begin with.
CREATE INDEX cases_opened_id ON cases(opened_at, id);
CREATE INDEX cases_state_opened ON cases(state, opened_at, id);
DROP INDEX cases_opened;
DROP INDEX cases_state;
