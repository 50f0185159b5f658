-- See the SQLite migration 0016_last_mail.sql.
CREATE INDEX inbound_org_at ON inbound(org, at);
