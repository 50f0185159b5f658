package catalog

// The labels of mail: deadlines, form fields and mail kinds, for the
// complainant and for staff. The keys are the codes the rest of the code
// uses (deadline kinds, field keys, mail kinds).

// deadlines names each deadline kind for the complainant.
var deadlines = map[string][2]string{ // {Dutch, English}
	"taken_up":         {"Uw klacht wordt opgepakt", "Your complaint is taken up"},
	"accused_notified": {"De aangeklaagde wordt op de hoogte gesteld", "The person complained about is informed"},
	"decision":         {"Besluit over uw klacht", "Decision on your complaint"},
	"decline_notice":   {"Bericht als uw klacht niet in behandeling wordt genomen", "Notice if your complaint is not dealt with"},
	"follow_up":        {"Wij vragen u of de klacht is opgelost", "We ask whether the complaint was resolved"},
	"retention":        {"Uw persoonsgegevens worden gewist", "Your personal data is erased"},
}

// staffDeadlines names each deadline kind for staff, to read after
// "de termijn voor" / "the deadline for".
var staffDeadlines = map[string][2]string{ // {Dutch, English}
	"taken_up":         {"het eerste contact met de klager", "first contact with the complainant"},
	"accused_notified": {"het informeren van de aangeklaagde", "informing the accused"},
	"decision":         {"het besluit", "the decision"},
	"decline_notice":   {"het bericht van niet-behandelen", "the notice declining the complaint"},
	"follow_up":        {"de nazorg bij de klager", "the follow-up with the complainant"},
	"retention":        {"het wissen van de persoonsgegevens", "erasing the personal data"},
}

// staffDeadlineItems names each deadline kind for staff as the item of a
// list ("Besluit: maandag 7 december 2026").
var staffDeadlineItems = map[string][2]string{ // {Dutch, English}
	"taken_up":         {"Eerste contact met de klager", "First contact with the complainant"},
	"accused_notified": {"Aangeklaagde informeren", "Informing the accused"},
	"decision":         {"Besluit", "Decision"},
	"decline_notice":   {"Bericht van niet-behandelen", "Notice declining the complaint"},
	"follow_up":        {"Nazorg bij de klager", "Follow-up with the complainant"},
	"retention":        {"Persoonsgegevens wissen", "Erasing the personal data"},
}

// fieldNeeds names what a missing form field asks of the complainant, to
// read after "we still need".
var fieldNeeds = map[string][2]string{ // {Dutch, English}
	"name":        {"uw naam", "your name"},
	"address":     {"uw adres", "your postal address"},
	"accused":     {"de naam van degene over wie u klaagt", "the name of the person you are complaining about"},
	"event_date":  {"de datum van het voorval", "the date of the event"},
	"description": {"een omschrijving van uw klacht", "a description of your complaint"},
}

// mailKinds names each mail kind for staff, to read as "the ...".
var mailKinds = map[string][2]string{ // {Dutch, English}
	"ack":           {"ontvangstbevestiging", "acknowledgement of receipt"},
	"announce":      {"melding van de nieuwe klacht", "announcement of the new complaint"},
	"update":        {"melding van een nieuw bericht", "notice of a new message"},
	"transcript":    {"verslag van verwerkte opdrachten", "report of the commands carried out"},
	"refusal":       {"weigering van opdrachten", "refusal of commands"},
	"confirm":       {"vraag om een verzoek te bevestigen", "request to confirm commands"},
	"confirm_staff": {"vraag om opdrachten te bevestigen", "request to confirm commands"},
	"accused":       {"kennisgeving van de klacht", "notice of the complaint"},
	"extension":     {"bericht over verlenging van de termijn", "notice of the extended time limit"},
	"decision":      {"besluit op de klacht", "decision on the complaint"},
	"decline":       {"bericht van niet-behandelen", "notice that the complaint is not dealt with"},
	"escalation":    {"bericht over het doorzetten van de klacht", "notice that the complaint was referred"},
	"ruling":        {"uitspraak over de klacht", "ruling on the complaint"},
	"withdrawal":    {"bevestiging van de intrekking", "confirmation of the withdrawal"},
	"closed":        {"bericht van afsluiting", "notice of closure"},
	"reminder":      {"herinnering aan een termijn", "deadline reminder"},
	"late":          {"bericht dat het besluit later komt", "notice that the decision comes later"},
	"follow_up":     {"nazorgvraag", "follow-up question"},
	"digest":        {"overzicht van de klachten", "complaints overview"},
	"undeliverable": {"melding van een onbestelbaar bericht", "notice of an undeliverable mail"},
	"minutes":       {"verslag van een gesprek", "record of a conversation"},
	"alert":         {"melding aan de beheerder", "alert to the operator"},
	"held":          {"melding van vastgehouden klachten", "notice of held complaints"},
	"too_large":     {"melding van een te grote e-mail", "notice of a mail too large"},
}
