-- Each mail queued numbers itself among its case's mail (the n of its
-- Message-ID), which counted the whole outbox for every mail: the cost
-- grew with the outbox. With this index it counts the case's rows only.
CREATE INDEX outbox_case ON outbox(case_id);

-- The answers to an incoming mail (acknowledgement, refusal, request to
-- confirm) go out before other mail that is due: in a burst of
-- complaints every complainant hears back first, and the staff's
-- announcements follow.
ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 1;
CREATE INDEX outbox_due ON outbox(priority, id) WHERE state = 'pending';
