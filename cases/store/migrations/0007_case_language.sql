-- The language of the mail to a case's complainant. The column was filled
-- with the organisation's language when a case opened, and nothing read
-- it: mail went out in the organisation's language. From now on it holds
-- the complainant's language (nl or en), detected from the complaint or
-- set with #taal; '' means the organisation's language, which is what
-- every existing case has had so far.
UPDATE cases SET language = '';
