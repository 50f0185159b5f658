-- Operations (SPEC 2b). A quarantined message can be released: filed
-- again through the intake. The row stays, with when and what became of
-- it, so nothing is ever lost and nothing is released twice. header_only
-- marks a message kept without its body (larger than max_message_size):
-- its body is in the IMAP quarantine folder.
ALTER TABLE quarantine ADD COLUMN released_at INTEGER;
ALTER TABLE quarantine ADD COLUMN released_as TEXT NOT NULL DEFAULT '';
ALTER TABLE quarantine ADD COLUMN header_only INTEGER NOT NULL DEFAULT 0;
UPDATE quarantine SET header_only = 1 WHERE reason LIKE 'message of % bytes exceeds the limit of % bytes';

-- What the daemon last said of itself, for `klachtenbus status` when no
-- daemon answers over HTTP, and the store's write probe.
CREATE TABLE ops_state (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL DEFAULT '',
	at    INTEGER NOT NULL
);
