-- The operator's "last mail" of an organisation (MAX(at) of its inbound
-- rows) is read every few seconds for every organisation a process
-- serves: an index answers it without reading the table.
CREATE INDEX inbound_org_at ON inbound(org, at);
