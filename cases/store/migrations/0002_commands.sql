-- Commands by mail (SPEC section 5).

-- The complaints committee's advice (schakel art. 6b: the decision term
-- runs from it) and the body a case was last escalated to.
ALTER TABLE cases ADD COLUMN advice_at INTEGER;
ALTER TABLE cases ADD COLUMN escalated_to TEXT NOT NULL DEFAULT '';

-- Commands a complainant sent without a reply token: they wait until the
-- complainant confirms them by replying to the confirmation mail.
CREATE TABLE confirmations (
	id         INTEGER PRIMARY KEY,
	case_id    TEXT NOT NULL REFERENCES cases(id),
	sender     TEXT NOT NULL,
	message_id TEXT NOT NULL,              -- our confirmation mail's Message-ID
	subject    TEXT NOT NULL DEFAULT '',   -- of the mail that held the commands
	commands   TEXT NOT NULL,              -- JSON: []Command
	created_at INTEGER NOT NULL,
	done_at    INTEGER
);
CREATE INDEX confirmations_message ON confirmations(message_id);
