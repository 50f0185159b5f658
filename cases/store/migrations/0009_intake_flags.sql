-- The intake checks that flagged a case, by their stable code (window,
-- handled, anonymous): a check is not repeated on a case. Before this, a
-- flag was known again by the translated text of its event, so a change of
-- language flagged every case afresh.
CREATE TABLE intake_flags (
	case_id    TEXT NOT NULL REFERENCES cases(id),
	check_code TEXT NOT NULL,
	at         INTEGER NOT NULL,
	PRIMARY KEY (case_id, check_code)
);

-- Carry the flags already recorded forward, known by the Dutch and English
-- texts the events were written with.
INSERT OR IGNORE INTO intake_flags (case_id, check_code, at)
SELECT case_id, 'window', MIN(at) FROM events WHERE kind = 'decline_suggested'
	AND (text LIKE 'de gebeurtenis was op %' OR text LIKE 'the event was on %') GROUP BY case_id;
INSERT OR IGNORE INTO intake_flags (case_id, check_code, at)
SELECT case_id, 'handled', MIN(at) FROM events WHERE kind = 'decline_suggested'
	AND (text LIKE 'dezelfde klager diende over %' OR text LIKE 'the same complainant made an earlier complaint %') GROUP BY case_id;
INSERT OR IGNORE INTO intake_flags (case_id, check_code, at)
SELECT case_id, 'anonymous', MIN(at) FROM events WHERE kind = 'decline_suggested'
	AND (text LIKE 'de klacht is anoniem%' OR text LIKE 'the complaint is anonymous%') GROUP BY case_id;
