-- Leases, live daemons, scheduler slots and outbox claims: see the SQLite
-- migration 0013_leases.sql for what each is for.
CREATE TABLE leases (
	name       TEXT COLLATE "C" PRIMARY KEY,
	holder     TEXT COLLATE "C" NOT NULL,
	expires_at BIGINT NOT NULL
);

CREATE TABLE daemons (
	id         TEXT COLLATE "C" PRIMARY KEY,
	expires_at BIGINT NOT NULL
);

CREATE TABLE slots (
	job    TEXT COLLATE "C" NOT NULL,
	slot   BIGINT NOT NULL,
	holder TEXT COLLATE "C" NOT NULL,
	at     BIGINT NOT NULL,
	PRIMARY KEY (job, slot)
);

ALTER TABLE outbox ADD COLUMN claimed_by TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN claimed_until BIGINT NOT NULL DEFAULT 0;
