-- The reminder stages sent about a deadline as a mask on the deadline:
-- see the SQLite migration 0014_chased.sql.
ALTER TABLE deadlines ADD COLUMN chased INTEGER NOT NULL DEFAULT 0;

UPDATE deadlines SET chased =
	  (CASE WHEN EXISTS (SELECT 1 FROM reminders r WHERE r.case_id = deadlines.case_id AND r.kind = deadlines.kind AND r.due = deadlines.due AND r.stage = 'before') THEN 1 ELSE 0 END)
	+ (CASE WHEN EXISTS (SELECT 1 FROM reminders r WHERE r.case_id = deadlines.case_id AND r.kind = deadlines.kind AND r.due = deadlines.due AND r.stage = 'passed') THEN 2 ELSE 0 END)
	+ (CASE WHEN EXISTS (SELECT 1 FROM reminders r WHERE r.case_id = deadlines.case_id AND r.kind = deadlines.kind AND r.due = deadlines.due AND r.stage = 'overdue') THEN 4 ELSE 0 END)
	+ (CASE WHEN EXISTS (SELECT 1 FROM reminders r WHERE r.case_id = deadlines.case_id AND r.kind = deadlines.kind AND r.due = deadlines.due AND r.stage = 'late') THEN 8 ELSE 0 END);

DROP INDEX deadlines_open;
CREATE INDEX deadlines_open ON deadlines(kind, due, case_id, article, chased, met_at) WHERE met_at IS NULL;
