-- Which reminder stages were sent about a deadline's due date is a column
-- of the deadline (a bit per stage: before 1, passed 2, overdue 4, late
-- 8), kept with the reminders rows that record each send. The chaser
-- reads the deadlines alone: before, it probed reminders four times per
-- open deadline every minute, which PostgreSQL's planner did by hashing
-- every reminder of a stage each time. The covering index of open
-- deadlines carries the mask, so the chaser never reads the table.
ALTER TABLE deadlines ADD COLUMN chased INTEGER NOT NULL DEFAULT 0;

UPDATE deadlines SET chased =
	  (CASE WHEN EXISTS (SELECT 1 FROM reminders r WHERE r.case_id = deadlines.case_id AND r.kind = deadlines.kind AND r.due = deadlines.due AND r.stage = 'before') THEN 1 ELSE 0 END)
	+ (CASE WHEN EXISTS (SELECT 1 FROM reminders r WHERE r.case_id = deadlines.case_id AND r.kind = deadlines.kind AND r.due = deadlines.due AND r.stage = 'passed') THEN 2 ELSE 0 END)
	+ (CASE WHEN EXISTS (SELECT 1 FROM reminders r WHERE r.case_id = deadlines.case_id AND r.kind = deadlines.kind AND r.due = deadlines.due AND r.stage = 'overdue') THEN 4 ELSE 0 END)
	+ (CASE WHEN EXISTS (SELECT 1 FROM reminders r WHERE r.case_id = deadlines.case_id AND r.kind = deadlines.kind AND r.due = deadlines.due AND r.stage = 'late') THEN 8 ELSE 0 END);

DROP INDEX deadlines_open;
CREATE INDEX deadlines_open ON deadlines(kind, due, case_id, article, chased, met_at) WHERE met_at IS NULL;
