-- Several organisations in one store (SPEC 2c). Every organisation has its
-- own case numbers, cases, outbox, quarantine and digests; the default
-- organisation (a configuration without [organisation] id) is '' and
-- keeps every row it had.
--
-- A case of a named organisation is keyed "<org>/<case ID>" (the store's
-- handle of that organisation adds and strips the prefix): the ten tables
-- that hang off a case keep their one key column, and no case ID given to
-- one organisation's handle can name another's case. The same prefix
-- keeps apart the text keys of the tables that are not a case's: inbound
-- message keys, held senders, operational facts and scheduler slots. The
-- org column says whose a row is where the store lists or counts by
-- organisation: cases, outbox and quarantine; case numbers and digests,
-- keyed by year and slot, take it into their key.
ALTER TABLE cases ADD COLUMN org TEXT NOT NULL DEFAULT '';
DROP INDEX cases_opened_id;
DROP INDEX cases_state_opened;
CREATE INDEX cases_opened_id ON cases(org, opened_at, id);
CREATE INDEX cases_state_opened ON cases(org, state, opened_at, id);

ALTER TABLE outbox ADD COLUMN org TEXT NOT NULL DEFAULT '';
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox(org, priority, id) WHERE state = 'pending';

ALTER TABLE quarantine ADD COLUMN org TEXT NOT NULL DEFAULT '';

CREATE TABLE case_numbers_new (
	org  TEXT NOT NULL DEFAULT '',
	year INTEGER NOT NULL,
	last INTEGER NOT NULL,
	PRIMARY KEY (org, year)
);
INSERT INTO case_numbers_new (org, year, last) SELECT '', year, last FROM case_numbers;
DROP TABLE case_numbers;
ALTER TABLE case_numbers_new RENAME TO case_numbers;

CREATE TABLE digests_new (
	org     TEXT NOT NULL DEFAULT '',
	slot    INTEGER NOT NULL,
	sent_at INTEGER NOT NULL,
	PRIMARY KEY (org, slot)
);
INSERT INTO digests_new (org, slot, sent_at) SELECT '', slot, sent_at FROM digests;
DROP TABLE digests;
ALTER TABLE digests_new RENAME TO digests;

ALTER TABLE inbound ADD COLUMN org TEXT NOT NULL DEFAULT '';
