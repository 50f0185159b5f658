-- The first schema of klachtenbus. Times are Unix seconds (UTC); the
-- organisation's time zone is applied when they are shown.

-- One row per year: the last case number handed out in it.
CREATE TABLE case_numbers (
	year INTEGER PRIMARY KEY,
	last INTEGER NOT NULL
);

CREATE TABLE cases (
	id           TEXT PRIMARY KEY,            -- K-YYYY-NNNN
	state        TEXT NOT NULL,
	category     TEXT NOT NULL DEFAULT '',
	handler      TEXT NOT NULL DEFAULT '',    -- staff address
	language     TEXT NOT NULL DEFAULT 'nl',
	channel      TEXT NOT NULL DEFAULT 'email',
	confidential INTEGER NOT NULL DEFAULT 0,
	subject      TEXT NOT NULL DEFAULT '',
	opened_at    INTEGER NOT NULL,
	complete_at  INTEGER,
	decided_at   INTEGER,
	closed_at    INTEGER,
	outcome      TEXT NOT NULL DEFAULT '',
	purged_at    INTEGER
);
CREATE INDEX cases_state ON cases(state);
CREATE INDEX cases_opened ON cases(opened_at);

-- The people of a case: the complainant, the accused, and anyone else
-- who wrote in. Staff are known from the configuration, not stored here.
CREATE TABLE parties (
	id      INTEGER PRIMARY KEY,
	case_id TEXT NOT NULL REFERENCES cases(id),
	role    TEXT NOT NULL,                    -- complainant | accused | other
	name    TEXT NOT NULL DEFAULT '',
	email   TEXT NOT NULL DEFAULT '',
	UNIQUE (case_id, role, email)
);
CREATE INDEX parties_email ON parties(email);

CREATE TABLE messages (
	id          INTEGER PRIMARY KEY,
	case_id     TEXT NOT NULL REFERENCES cases(id),
	direction   TEXT NOT NULL,                -- in | out
	message_id  TEXT NOT NULL,                -- without angle brackets
	from_addr   TEXT NOT NULL DEFAULT '',
	to_addr     TEXT NOT NULL DEFAULT '',
	subject     TEXT NOT NULL DEFAULT '',
	text        TEXT NOT NULL DEFAULT '',
	raw         BLOB,
	at          INTEGER NOT NULL
);
CREATE INDEX messages_case ON messages(case_id);
CREATE INDEX messages_message_id ON messages(message_id);

CREATE TABLE attachments (
	id         INTEGER PRIMARY KEY,
	message_id INTEGER NOT NULL REFERENCES messages(id),
	name       TEXT NOT NULL,
	type       TEXT NOT NULL,
	size       INTEGER NOT NULL,
	sha256     TEXT NOT NULL,
	content    BLOB
);
CREATE INDEX attachments_message ON attachments(message_id);

CREATE TABLE events (
	id      INTEGER PRIMARY KEY,
	case_id TEXT NOT NULL REFERENCES cases(id),
	at      INTEGER NOT NULL,
	kind    TEXT NOT NULL,
	actor   TEXT NOT NULL DEFAULT '',
	text    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_case ON events(case_id);

-- Form fields found in the messages of a case (name, address, ...).
CREATE TABLE fields (
	case_id TEXT NOT NULL REFERENCES cases(id),
	key     TEXT NOT NULL,
	value   TEXT NOT NULL,
	PRIMARY KEY (case_id, key)
);

CREATE TABLE deadlines (
	case_id TEXT NOT NULL REFERENCES cases(id),
	kind    TEXT NOT NULL,
	due     INTEGER NOT NULL,
	article TEXT NOT NULL DEFAULT '',
	met_at  INTEGER,
	PRIMARY KEY (case_id, kind)
);
CREATE INDEX deadlines_due ON deadlines(due) WHERE met_at IS NULL;

-- Every inbound message ever handled, by its dedupe key (the Message-ID,
-- or a hash of the raw message when it has none), with what became of
-- it. A message seen again after a crash is only moved, never handled
-- twice.
CREATE TABLE inbound (
	key         TEXT PRIMARY KEY,
	disposition TEXT NOT NULL,                -- case | ignored | quarantined
	case_id     TEXT,
	reason      TEXT NOT NULL DEFAULT '',
	at          INTEGER NOT NULL
);

-- Messages that could not be processed, kept whole.
CREATE TABLE quarantine (
	id     INTEGER PRIMARY KEY,
	key    TEXT NOT NULL,
	reason TEXT NOT NULL,
	raw    BLOB,
	at     INTEGER NOT NULL
);

-- Mail to send. A row is written in the same transaction as the change
-- that causes it; the sender renders and sends it, one recipient a row.
CREATE TABLE outbox (
	id          INTEGER PRIMARY KEY,
	case_id     TEXT,
	kind        TEXT NOT NULL,
	recipient   TEXT NOT NULL,
	message_id  TEXT NOT NULL UNIQUE,
	in_reply_to TEXT NOT NULL DEFAULT '',
	refs        TEXT NOT NULL DEFAULT '',     -- space separated
	reply_to    TEXT NOT NULL DEFAULT '',
	language    TEXT NOT NULL,
	data        TEXT NOT NULL,                -- JSON template data
	state       TEXT NOT NULL DEFAULT 'pending', -- pending | sent | failed
	attempts    INTEGER NOT NULL DEFAULT 0,
	next_at     INTEGER NOT NULL,
	last_error  TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL,
	sent_at     INTEGER
);
CREATE INDEX outbox_pending ON outbox(next_at) WHERE state = 'pending';
CREATE INDEX outbox_recipient ON outbox(recipient, created_at);
