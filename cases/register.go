package cases

import (
	"context"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/catalog"
	"github.com/klachtenbus/klachtenbus/cases/store"
)

// The channels a complaint comes in by (cases.channel). Mail is the
// default; the others are registered by staff with #registreer.
const (
	ChannelEmail = "email"
	ChannelPhone = "telefoon"
	ChannelPost  = "brief"
	ChannelDesk  = "balie"
)

// channelWords maps what staff may write after #registreer to a channel.
var channelWords = map[string]string{
	"email": ChannelEmail, "e-mail": ChannelEmail, "mail": ChannelEmail,
	"telefoon": ChannelPhone, "telefonisch": ChannelPhone, "phone": ChannelPhone, "telephone": ChannelPhone,
	"brief": ChannelPost, "post": ChannelPost, "letter": ChannelPost,
	"balie": ChannelDesk, "persoonlijk": ChannelDesk, "desk": ChannelDesk, "counter": ChannelDesk, "in-person": ChannelDesk,
}

// registerLabel matches a "Label: value" line at the top of a
// registration's text.
var registerLabel = regexp.MustCompile(`^\s*([\p{L}][\p{L} .-]{0,30}):\s*(.*)$`)

var emailLabel = regexp.MustCompile(`(?i)^(e-?mail(adres)?|mail)$`)

// register opens a case for a complaint a staff member received by
// another way (defence-for-children 4.1/4.2 "via rechtstreeks contact, of
// op elke andere wijze"; Awb 9:5): "#registreer telefoon 2026-11-20" and
// below it Naam:, E-mail:, Adres: lines and the complaint. The case is the
// complainant's, received on that date by that channel, so its deadlines
// run from then; the complainant gets the acknowledgement when an address
// is given; the staff member who registered it is recorded and answered.
//
// It needs proof that the staff member sent it (a trusted
// Authentication-Results header or a DKIM signature): there is no case
// yet to confirm it on.
func (e *Engine) register(ctx context.Context, tx *store.Tx, in *Inbound, cmd Command) (Result, error) {
	refuse := func(reason, why string) (Result, error) {
		e.log().Warn("registration refused", "from", in.From.Email, "why", why)
		return Result{Disposition: Filed, Reason: "registration refused: " + why}, e.refuse(ctx, tx, "", in, []Command{cmd}, reason, why)
	}
	if in.FromAuth == "" {
		return refuse(e.say(catalog.RegisterNeedsProof), "no proof of origin")
	}
	words := strings.Fields(strings.ToLower(cmd.Args))
	if len(words) != 2 {
		return refuse(e.say(catalog.RegisterUsage), "usage")
	}
	channel, ok := channelWords[words[0]]
	if !ok {
		return refuse(e.say(catalog.RegisterUsage), "unknown channel "+words[0])
	}
	loc := e.Org.Location
	day, err := time.ParseInLocation("2006-01-02", words[1], loc)
	if err != nil {
		return refuse(e.say(catalog.RegisterUsage), "bad date "+words[1])
	}
	today := tx.Now.In(loc)
	if day.After(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)) {
		return refuse(e.say(catalog.RegisterFuture, words[1]), "date in the future")
	}
	received := time.Date(day.Year(), day.Month(), day.Day(), 12, 0, 0, 0, loc)
	if received.After(tx.Now) {
		received = tx.Now
	}

	// The labelled lines at the top, then the complaint in the person's
	// words: those are its description unless a label says otherwise.
	var header []string
	var who Address
	lines := strings.Split(strings.TrimSpace(cmd.Body), "\n")
	i := 0
	for ; i < len(lines); i++ {
		m := registerLabel.FindStringSubmatch(lines[i])
		if m == nil {
			break
		}
		if emailLabel.MatchString(strings.TrimSpace(m[1])) {
			if a, err := mail.ParseAddress(strings.TrimSpace(m[2])); err == nil {
				who.Email = CanonAddr(a.Address)
			}
			continue
		}
		header = append(header, lines[i])
	}
	story := strings.TrimSpace(strings.Join(lines[i:], "\n"))
	text := strings.Join(header, "\n")
	if story != "" {
		if _, ok := ParseFields(text)[FieldDescription]; !ok {
			text += "\n" + FieldLabel(FieldDescription, LangDutch) + ": " + strings.ReplaceAll(story, "\n", "\n  ")
		} else {
			text += "\n\n" + story
		}
	}
	who.Name = ParseFields(text)[FieldName]

	subject := e.say(catalog.RegisteredSubject, catalog.Channel(e.Org.Language, channel))
	return e.openOnBehalf(ctx, tx, in, cmd.Line, onBehalf{who: who, text: text, subject: subject, received: received, channel: channel, day: words[1]})
}

// onBehalf is a complaint a staff member hands in for someone else.
type onBehalf struct {
	who      Address // the complainant
	text     string  // the complaint
	subject  string
	received time.Time
	channel  string
	day      string // the day received, as staff are told it
}

// openOnBehalf opens the case of a complaint that the staff member who
// sent in received (registered or forwarded): the complainant's, received
// then, the staff member recorded; the complainant is acknowledged and the
// staff member answered with what was done (line: what they wrote).
func (e *Engine) openOnBehalf(ctx context.Context, tx *store.Tx, in *Inbound, line string, b onBehalf) (Result, error) {
	reg := *in
	reg.From = b.who
	reg.Text = b.text
	reg.Subject = b.subject
	reg.Received, reg.Channel, reg.RegisteredBy = b.received, b.channel, in.From.Email
	reg.FromAuth = "" // the complainant proved nothing; the staff member did
	reg.SuppressAutoReply = false
	reg.Forwarded = nil
	res, err := e.openCase(ctx, tx, &reg)
	if err != nil {
		return res, err
	}
	staff, _ := e.staff(in.From.Email)
	result := e.say(catalog.RegisterOpened, res.CaseID, catalog.Channel(e.Org.Language, b.channel), b.day)
	if b.who.Email == "" {
		result += e.say(catalog.RegisterNoAddress)
	}
	data := &TranscriptMail{CommandsMail: CommandsMail{Envelope: Envelope{RecipientName: staff.Name, Role: RecipientStaff}, Subject: in.Subject,
		Commands: []CommandResult{{Line: line, OK: true, Result: result}}}}
	if _, err := e.queueMail(ctx, tx, res.CaseID, in.From.Email, in.MessageID, threadRefs(in), data); err != nil {
		return res, err
	}
	e.log().Info("complaint registered", "case", res.CaseID, "by", in.From.Email, "channel", b.channel)
	return res, nil
}
