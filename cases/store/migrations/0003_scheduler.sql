-- The scheduler (deadline chaser, late notices, digest).

-- Each reminder or notice sent about a deadline, once per stage and due
-- time: an extended deadline is chased afresh, a job run twice sends
-- nothing twice.
CREATE TABLE reminders (
	case_id TEXT NOT NULL REFERENCES cases(id),
	kind    TEXT NOT NULL,                  -- the deadline kind
	stage   TEXT NOT NULL,                  -- before | passed | overdue | late
	due     INTEGER NOT NULL,               -- the deadline's due time it was about
	sent_at INTEGER NOT NULL,
	PRIMARY KEY (case_id, kind, stage, due)
);

-- The directors' digests sent, one per schedule slot.
CREATE TABLE digests (
	slot    INTEGER PRIMARY KEY,            -- the scheduled time, Unix seconds
	sent_at INTEGER NOT NULL
);
