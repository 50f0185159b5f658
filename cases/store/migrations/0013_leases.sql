-- Who works what, when several daemons share a store (PostgreSQL). A
-- lease names a piece of work (a mailbox), the daemon that holds it and
-- when it expires, in milliseconds by the database's clock, so that the
-- daemons' own clocks do not matter. A daemon renews what it holds; what
-- a dead daemon held passes to another once it expires.
CREATE TABLE leases (
	name       TEXT PRIMARY KEY,
	holder     TEXT NOT NULL,
	expires_at INTEGER NOT NULL
);

-- The daemons working a store, each until it stops saying it lives: how
-- many are alive spreads the mailboxes evenly over them.
CREATE TABLE daemons (
	id         TEXT PRIMARY KEY,
	expires_at INTEGER NOT NULL
);

-- A scheduler job's slot is run by one daemon: the first to claim it.
CREATE TABLE slots (
	job    TEXT NOT NULL,
	slot   INTEGER NOT NULL,
	holder TEXT NOT NULL,
	at     INTEGER NOT NULL,
	PRIMARY KEY (job, slot)
);

-- A mail of the outbox is claimed by the daemon that sends it, until its
-- claim expires (milliseconds, the database's clock): two daemons never
-- send the same row.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN claimed_until INTEGER NOT NULL DEFAULT 0;
