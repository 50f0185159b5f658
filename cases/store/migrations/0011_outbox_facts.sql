-- What queries need of a queued mail are columns, not paths into its JSON
-- payload: the recipient's part and name (for a bounce of it), and, for a
-- notice of an undeliverable mail, the Message-ID of the mail it is about.
-- data_version is the version of the payload's layout, so that a payload
-- written by one version is read as that version (MailDataVersion).
ALTER TABLE outbox ADD COLUMN role TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN recipient_name TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN about TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN data_version INTEGER NOT NULL DEFAULT 1;

UPDATE outbox SET
	role = COALESCE(json_extract(data, '$.role'), ''),
	recipient_name = COALESCE(json_extract(data, '$.recipient_name'), ''),
	about = COALESCE(json_extract(data, '$.failed.message_id'), '')
WHERE json_valid(data);
