-- Facts the regulation's rules read are columns of the case, not counts of
-- its timeline: how often the decision term was extended, and when the
-- accused was told of the complaint. Carried forward from the events that
-- recorded them so far.
ALTER TABLE cases ADD COLUMN extensions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN accused_notified_at INTEGER;

UPDATE cases SET extensions = (SELECT COUNT(*) FROM events e WHERE e.case_id = cases.id AND e.kind = 'extended');
UPDATE cases SET accused_notified_at = (SELECT MIN(e.at) FROM events e WHERE e.case_id = cases.id AND e.kind = 'accused_notified');
