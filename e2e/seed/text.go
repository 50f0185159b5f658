package seed

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// The words complaints are made of. Prose holds no "Label:" lines, so
// that the form fields found in a text are exactly those the generator
// wrote.
var (
	firstNames = []string{"Jan", "Maria", "Piet", "Fatima", "Kees", "Anouk", "Mohammed", "Sanne", "Henk", "Lotte",
		"Ahmed", "Eva", "Willem", "Noor", "Gerrit", "Sophie", "Youssef", "Emma", "Bram", "Ingrid", "Daan", "Priya",
		"Thijs", "Marieke", "Kofi", "Esther", "Ruben", "Hatice", "Joost", "Linda"}
	lastNames = []string{"de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
		"Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit",
		"Dijkstra", "Smits", "de Graaf", "van der Meer", "Kaya", "El Amrani", "Yilmaz", "Koster", "Prins", "Huisman"}
	streets = []string{"Dorpsstraat", "Kerkstraat", "Lindelaan", "Molenweg", "Stationsweg", "Julianastraat",
		"Beatrixlaan", "Nieuwstraat", "Wilhelminastraat", "Markt", "Parallelweg", "Industrieweg", "Eikenlaan"}
	towns = []string{"Oud Gastel", "Amersfoort", "Zwolle", "Tilburg", "Leeuwarden", "Deventer", "Haarlem", "Utrecht",
		"Groningen", "Breda", "Almere", "Venlo", "Middelburg", "Assen", "Den Bosch"}
	mailDomains = []string{"ziggo.example", "kpnmail.example", "gmail.example", "outlook.example", "hetnet.example",
		"planet.example", "xs4all.example", "live.example"}
	// The accused are named in words no category of a preset has among
	// its keywords, so that they never sway the suggested category.
	accusedList = []string{"de leerkracht van groep 3", "de teamleider van de afdeling", "de medewerker van de balie",
		"mijn contactpersoon", "de coördinator", "de directeur van de school", "de trainer van het team",
		"een collega op de afdeling", "de behandelaar van mijn dossier", "de chauffeur van lijn 12",
		"de beveiliger bij de ingang", "de mentor van mijn dochter"}
	months = []string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
		"oktober", "november", "december"}
)

// topic is one kind of complaint: subjects and the story it tells.
type topic struct {
	subjects []string
	story    []string // sentences, some of which make the description
	short    []string // a one-line description for the form
}

var topics = []topic{
	{[]string{"Klacht over de communicatie", "Geen antwoord op mijn vragen", "Slechte bereikbaarheid"},
		[]string{"Ik heb sinds het begin van de maand drie keer gebeld en twee e-mails gestuurd zonder antwoord.",
			"Niemand heeft mij teruggebeld, terwijl dat wel was toegezegd.",
			"De informatie die ik kreeg was onvolledig en soms tegenstrijdig.",
			"Ik moest telkens opnieuw mijn verhaal doen bij een andere medewerker.",
			"Er werd mij gezegd dat mijn vraag zou worden doorgestuurd, maar ik hoorde daarna niets meer."},
		[]string{"Mijn vragen werden niet beantwoord.", "Ik werd niet teruggebeld.", "De communicatie liep slecht."}},
	{[]string{"Klacht over de begeleiding", "Onvoldoende begeleiding", "Klacht begeleiding traject"},
		[]string{"De begeleiding die mij was beloofd is nooit echt op gang gekomen.",
			"Afspraken werden meerdere keren op het laatste moment afgezegd.",
			"Ik voelde mij niet serieus genomen in de gesprekken.",
			"Het plan dat samen was opgesteld werd niet uitgevoerd.",
			"Mijn begeleider wisselde drie keer in een half jaar zonder uitleg."},
		[]string{"De begeleiding schoot tekort.", "Afspraken werden niet nagekomen."}},
	{[]string{"Klacht over beleid", "Bezwaar tegen de nieuwe regels", "Onduidelijk beleid"},
		[]string{"Het nieuwe beleid is ingevoerd zonder dat de betrokkenen zijn gehoord.",
			"De regels worden niet voor iedereen op dezelfde manier toegepast.",
			"Ik begrijp niet waarom mijn aanvraag anders is behandeld dan die van anderen.",
			"Op de website staat iets anders dan wat mij aan de balie werd verteld."},
		[]string{"Het beleid werd ongelijk toegepast.", "De regels zijn onduidelijk."}},
	{[]string{"Melding pesten", "Mijn kind wordt gepest", "Klacht over pesten op school"},
		[]string{"Mijn zoon wordt al weken gepest in de klas en op het plein.",
			"Ik heb dit twee keer gemeld, maar er is niets mee gedaan.",
			"Hij wil 's ochtends niet meer naar school en slaapt slecht.",
			"De andere kinderen sluiten hem buiten bij groepswerk en in de pauze."},
		[]string{"Mijn kind wordt gepest en er wordt niet ingegrepen.", "Pesten in de klas."}},
	{[]string{"Klacht over agressie", "Agressief gedrag van een medewerker", "Bedreiging aan de balie"},
		[]string{"De medewerker werd boos en begon tegen mij te schreeuwen.",
			"Ik werd in het bijzijn van anderen bedreigd en uitgescholden.",
			"Er waren getuigen van het voorval die dit kunnen bevestigen.",
			"Ik voel mij sindsdien niet meer veilig om langs te komen."},
		[]string{"Ik werd uitgescholden en bedreigd.", "Agressief gedrag."}},
	{[]string{"Melding discriminatie", "Klacht over ongelijke behandeling", "Discriminatie bij de intake"},
		[]string{"Ik werd anders behandeld vanwege mijn afkomst, dat werd ook letterlijk gezegd.",
			"Andere aanvragers kregen wel een afspraak, ik niet.",
			"Er werden opmerkingen gemaakt over mijn achternaam.",
			"Ik wil dat dit serieus wordt onderzocht en dat er maatregelen volgen."},
		[]string{"Ik werd gediscrimineerd.", "Ongelijke behandeling."}},
	{[]string{"Klacht over ongewenst gedrag", "Melding grensoverschrijdend gedrag", "Ongewenste intimiteiten"},
		[]string{"Tijdens de training maakte de trainer seksueel getinte opmerkingen.",
			"Ik werd aangeraakt op een manier die ik niet wilde.",
			"Ik heb dit eerst met een vertrouwenspersoon besproken.",
			"Andere deelnemers hebben soortgelijke ervaringen."},
		[]string{"Ongewenste intimiteiten tijdens de training.", "Grensoverschrijdend gedrag."}},
	{[]string{"Klacht over de afhandeling van mijn aanvraag", "Aanvraag te laat behandeld", "Fout in mijn dossier"},
		[]string{"Mijn aanvraag ligt al maanden stil zonder dat ik weet waarom.",
			"In mijn dossier staan gegevens die niet kloppen.",
			"Door de vertraging heb ik kosten moeten maken die ik vergoed wil zien.",
			"Ik heb meerdere keren gevraagd om een overzicht van de stand van zaken."},
		[]string{"Mijn aanvraag werd te laat behandeld.", "Mijn dossier bevat fouten."}},
}

// person is a complainant.
type person struct {
	name, email, street, town string
}

func (g *gen) person(n int) person {
	first := firstNames[g.r.IntN(len(firstNames))]
	last := lastNames[g.r.IntN(len(lastNames))]
	local := strings.ToLower(strings.ReplaceAll(first+"."+last, " ", ""))
	// The number keeps every complainant distinct, as the intake's check
	// for an earlier complaint about the same accused expects of strangers.
	return person{
		name:   first + " " + last,
		email:  fmt.Sprintf("%s%d@%s", local, n, mailDomains[g.r.IntN(len(mailDomains))]),
		street: fmt.Sprintf("%s %d", streets[g.r.IntN(len(streets))], 1+g.r.IntN(180)),
		town:   fmt.Sprintf("%04d %c%c %s", 1000+g.r.IntN(8999), 'A'+rune(g.r.IntN(26)), 'A'+rune(g.r.IntN(26)), towns[g.r.IntN(len(towns))]),
	}
}

// complaintText is the body of a complaint: a story, then the form.
type complaintText struct {
	subject string
	text    string
	html    string
	fields  map[string]string
	words   string // what of it can hold a category's keywords: all but names, places, dates and the accused
}

// dutchDate formats a date and time as complainants write it
// ("10 november 2026 14:00"), which cases.ParseEventDate reads.
func dutchDate(t time.Time) string {
	return fmt.Sprintf("%d %s %d %02d:%02d", t.Day(), months[t.Month()-1], t.Year(), t.Hour(), t.Minute())
}

// complaint writes a complaint by p about an event at event; the form
// lines in leave out are not written (an incomplete complaint).
func (g *gen) complaint(p person, event time.Time, leaveOut map[string]bool) complaintText {
	tp := topics[g.r.IntN(len(topics))]
	ct := complaintText{subject: tp.subjects[g.r.IntN(len(tp.subjects))], fields: map[string]string{}}
	// Two or more of the topic's sentences, in their order.
	var story []string
	for {
		story = story[:0]
		for _, s := range tp.story {
			if g.r.IntN(2) == 0 {
				story = append(story, s)
			}
		}
		if len(story) >= 2 {
			break
		}
	}
	short := g.r.IntN(len(tp.short))
	form := []struct{ key, label, value string }{
		{"name", "Naam", p.name},
		{"address", "Adres", p.street + ", " + p.town},
		{"accused", "Aangeklaagde", accusedList[g.r.IntN(len(accusedList))]},
		{"event_date", "Datum voorval", dutchDate(event)},
		{"description", "Omschrijving", tp.short[short]},
	}
	var b, h strings.Builder
	b.WriteString("Geachte heer, mevrouw,\n\n")
	h.WriteString("<html><head><meta charset=\"utf-8\"></head><body>\n<p>Geachte heer, mevrouw,</p>\n<p>")
	for _, s := range story {
		b.WriteString(s)
		b.WriteString(" ")
		h.WriteString(s)
		h.WriteString(" ")
	}
	b.WriteString("\n\nHieronder vindt u mijn gegevens.\n\n")
	h.WriteString("</p>\n<p>Hieronder vindt u mijn gegevens.</p>\n<table>\n")
	for _, f := range form {
		if leaveOut[f.key] {
			continue
		}
		ct.fields[f.key] = f.value
		b.WriteString(f.label + ": " + f.value + "\n")
		h.WriteString("<tr><td>" + f.label + ":</td><td>" + f.value + "</td></tr>\n")
	}
	b.WriteString("\nMet vriendelijke groet,\n" + p.name + "\n")
	ct.words = ct.subject + "\n" + strings.Join(story, " ") + "\n" + tp.short[short]
	h.WriteString("</table>\n<p>Met vriendelijke groet,<br>\n" + p.name + "</p>\n</body></html>\n")
	ct.text, ct.html = b.String(), h.String()
	return ct
}

// b64 is n characters of base64 noise, for signatures.
func (g *gen) b64(n int) string {
	buf := make([]byte, n*3/4+3)
	for i := range buf {
		buf[i] = byte(g.r.Uint32())
	}
	return base64.StdEncoding.EncodeToString(buf)[:n]
}

// rawComplaint is the message as the complainant's provider delivered
// it: trace and authentication headers, a DKIM signature, and the text
// with an HTML alternative (some 2 to 4 KB).
func (g *gen) rawComplaint(p person, to, msgID string, at time.Time, ct complaintText) []byte {
	domain := p.email[strings.IndexByte(p.email, '@')+1:]
	date := at.Format(time.RFC1123Z)
	boundary := "b1_" + g.b64(22)
	boundary = noSlash.Replace(boundary)
	sig := g.b64(344)
	var b strings.Builder
	fmt.Fprintf(&b, "Return-Path: <%s>\r\nDelivered-To: %s\r\n", p.email, to)
	fmt.Fprintf(&b, "Received: from mx%d.%s (mx%d.%s [192.0.2.%d])\r\n\tby mx.example.test (Postfix) with ESMTPS id %s\r\n\tfor <%s>; %s\r\n",
		1+g.r.IntN(3), domain, 1+g.r.IntN(3), domain, 1+g.r.IntN(250), g.b64(14), to, date)
	fmt.Fprintf(&b, "Authentication-Results: mx.example.test;\r\n\tdkim=pass header.d=%s header.s=s2024 header.b=%s;\r\n\tspf=pass smtp.mailfrom=%s;\r\n\tdmarc=pass (p=NONE) header.from=%s\r\n",
		domain, g.b64(8), p.email, domain)
	fmt.Fprintf(&b, "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s; s=s2024;\r\n\tt=%d; h=from:to:subject:date:message-id:mime-version:content-type;\r\n\tbh=%s=;\r\n\tb=", domain, at.Unix(), g.b64(43))
	for i := 0; i < len(sig); i += 72 {
		if i > 0 {
			b.WriteString("\r\n\t ")
		}
		b.WriteString(sig[i:min(i+72, len(sig))])
	}
	fmt.Fprintf(&b, "\r\nFrom: %s <%s>\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n", p.name, p.email, to, ct.subject, date, msgID)
	fmt.Fprintf(&b, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary)
	fmt.Fprintf(&b, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n", boundary, crlf(ct.text))
	fmt.Fprintf(&b, "--%s\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n--%s--\r\n", boundary, crlf(ct.html), boundary)
	return []byte(b.String())
}

// rawReply is a short reply by staff or the complainant, as delivered.
func rawReply(from, fromName, to, subject, msgID, inReplyTo string, at time.Time, text string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "Return-Path: <%s>\r\nReceived: from smtp.example.test by mx.example.test (Postfix) with ESMTPS\r\n\tfor <%s>; %s\r\n", from, to, at.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Authentication-Results: mx.example.test; dkim=pass header.d=%s; dmarc=pass header.from=%s\r\n", domainOf(from), domainOf(from))
	fmt.Fprintf(&b, "From: %s <%s>\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n", fromName, from, to, subject, at.Format(time.RFC1123Z), msgID)
	if inReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n", inReplyTo, inReplyTo)
	}
	fmt.Fprintf(&b, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s", crlf(text))
	return []byte(b.String())
}

// noSlash keeps base64 noise fit for Message-IDs and MIME boundaries.
var noSlash = strings.NewReplacer("+", "", "/", "")

func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func domainOf(addr string) string { return addr[strings.IndexByte(addr, '@')+1:] }

// gen is the random source of one stream of cases.
type gen struct{ r *rand.Rand }
