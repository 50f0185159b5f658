-- Senders over the intake cap ([security] intake_per_sender): when the
-- staff were last told that mail from the mailbox is held, so they are
-- told once per hour, not once per message.
CREATE TABLE held_senders (
	mailbox TEXT PRIMARY KEY, -- the sender's address without plus-tag (CanonAddr)
	told_at INTEGER NOT NULL
);
