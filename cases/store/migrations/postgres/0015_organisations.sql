-- Several organisations in one store: see the SQLite migration
-- 0015_organisations.sql for the design.
ALTER TABLE cases ADD COLUMN org TEXT COLLATE "C" NOT NULL DEFAULT '';
DROP INDEX cases_opened_id;
DROP INDEX cases_state_opened;
CREATE INDEX cases_opened_id ON cases(org, opened_at, id);
CREATE INDEX cases_state_opened ON cases(org, state, opened_at, id);

ALTER TABLE outbox ADD COLUMN org TEXT COLLATE "C" NOT NULL DEFAULT '';
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox(org, priority, id) WHERE state = 'pending';

ALTER TABLE quarantine ADD COLUMN org TEXT COLLATE "C" NOT NULL DEFAULT '';

ALTER TABLE case_numbers ADD COLUMN org TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE case_numbers DROP CONSTRAINT case_numbers_pkey;
ALTER TABLE case_numbers ADD PRIMARY KEY (org, year);

ALTER TABLE digests ADD COLUMN org TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE digests DROP CONSTRAINT digests_pkey;
ALTER TABLE digests ADD PRIMARY KEY (org, slot);

ALTER TABLE inbound ADD COLUMN org TEXT COLLATE "C" NOT NULL DEFAULT '';
