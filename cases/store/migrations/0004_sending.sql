-- When the sender began handing a mail to the SMTP server, cleared when
-- the attempt's result is recorded. A mail still marked after a restart
-- is in doubt: the server may have accepted it in the moment before the
-- process died, so sending it again may deliver it twice.
ALTER TABLE outbox ADD COLUMN sending_at INTEGER;
