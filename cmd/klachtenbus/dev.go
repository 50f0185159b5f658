package main

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// devBanner tells a newcomer where to look.
func (m *Main) devBanner(d *Daemon) {
	c := d.Config
	fmt.Fprintf(m.Stdout, `klachtenbus dev: an embedded mail server runs on loopback.
  SMTP %s  (send a complaint to %s; AUTH PLAIN as the From address marks it authenticated)
  IMAP %s  (log in as any address with any password to read its mailbox)
  store %s
  HTTP %s  (operator endpoint: /healthz, /readyz, /metrics)
Staff: %s
Stop with Ctrl-C.
`, d.Dev.SMTPAddr(), c.Organisation.Mailbox, d.Dev.IMAPAddr(), c.Store.Path, httpAddr(d), staffList(d))
}

func httpAddr(d *Daemon) string {
	if d.HTTP == nil {
		return "off"
	}
	return "http://" + d.HTTP.Addr()
}

func staffList(d *Daemon) string {
	var parts []string
	for _, s := range d.Config.Staff {
		parts = append(parts, fmt.Sprintf("%s (%s)", s.Email, strings.Join(s.Roles, ", ")))
	}
	return strings.Join(parts, "; ")
}

// demoMessages are the sample complaints of `dev -demo`: a complete Dutch
// complaint, an English one with a field missing, and an out-of-office
// reply that must open no case.
var demoMessages = []struct {
	from, subject, body string
	headers             string
}{
	{
		from:    "Jan de Vries <jan.devries@example.test>",
		subject: "Klacht over de begeleiding tijdens de cursus",
		body: `Geachte heer, mevrouw,

Hierbij dien ik een klacht in over de begeleiding tijdens de cursus douane-aangifte.

Naam: Jan de Vries
Adres: Dorpsstraat 12, 4751 AB Oud Gastel
Aangeklaagde: de docent van groep 3
Datum voorval: 10 november 2026, 14:00
Omschrijving: Mijn vragen over de examenstof werden drie weken lang niet beantwoord,
ook niet na herhaald verzoek per e-mail.

Met vriendelijke groet,
Jan de Vries
`,
	},
	{
		from:    "Emma Clarke <emma.clarke@example.test>",
		subject: "Complaint about remarks during class",
		body: `Hello,

I want to file a complaint about remarks a staff member made about my background.

Name: Emma Clarke
Date of the event: 16 November 2026
Description: During the break a staff member made insulting remarks about where I come from.

Regards,
Emma Clarke
`,
	},
	{
		from:    "Piet Afwezig <piet.afwezig@example.test>",
		subject: "Automatisch antwoord: Afwezig",
		headers: "Auto-Submitted: auto-replied\r\nX-Auto-Response-Suppress: All\r\n",
		body:    "Ik ben tot en met 30 november afwezig en lees mijn e-mail niet.\n",
	},
}

// demo drops the sample complaints into the complaint mailbox.
func (d *Daemon) demo(ctx context.Context) error {
	for i, msg := range demoMessages {
		raw := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <demo-%d-%d@example.test>\r\n%sMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s",
			msg.from, d.Config.Organisation.Mailbox, msg.subject, time.Now().Format(time.RFC1123Z),
			time.Now().UnixNano(), i, msg.headers, strings.ReplaceAll(msg.body, "\n", "\r\n"))
		if err := d.Dev.Deliver(d.Config.Organisation.Mailbox, []byte(raw)); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	d.Log.Info("demo: sample complaints delivered", "count", len(demoMessages))
	return nil
}
