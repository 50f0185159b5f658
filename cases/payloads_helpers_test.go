package cases

// view is the template data of a mail a decision queues, for the tests
// to look into whatever its kind.
func (m Mail) view() MailData { return m.Data.view() }
