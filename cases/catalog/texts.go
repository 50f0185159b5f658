// The table of the catalog: add a sentence here, in every language.

package catalog

// The sentences of the command results, refusals and intake flags.
const (
	AccusedAddressUnknown     ID = "accused_address_unknown"
	AccusedNotified           ID = "accused_notified"
	AccusedSet                ID = "accused_set"
	AccusedSetWithoutAddress  ID = "accused_set_without_address"
	AdviceRecorded            ID = "advice_recorded"
	AppealAfterDecision       ID = "appeal_after_decision"
	BodyNotInRegulation       ID = "body_not_in_regulation"
	BodyWithoutAddress        ID = "body_without_address"
	CannotReadAddress         ID = "cannot_read_address"
	CaseClosed                ID = "case_closed"
	CaseClosedWithoutDecision ID = "case_closed_without_decision"
	CasePurged                ID = "case_purged"
	CaseReopened              ID = "case_reopened"
	CaseState                 ID = "case_state"
	CategorySet               ID = "category_set"
	CommandForStaff           ID = "command_for_staff"
	ComplaintWithdrawn        ID = "complaint_withdrawn"
	ConfidentialSet           ID = "confidential_set"
	DecisionNeedsReasons      ID = "decision_needs_reasons"
	DecisionSent              ID = "decision_sent"
	DecisionTermExtended      ID = "decision_term_extended"
	DeclineNeedsReasons       ID = "decline_needs_reasons"
	Declined                  ID = "declined"
	ExtendedOnceAlready       ID = "extended_once_already"
	ExtensionNeedsReason      ID = "extension_needs_reason"
	ExtensionTooLate          ID = "extension_too_late"
	FlagAnonymous             ID = "flag_anonymous"
	FlagHandled               ID = "flag_handled"
	FlagWindow                ID = "flag_window"
	GiveAccusedNameAddress    ID = "give_accused_name_address"
	GiveBody                  ID = "give_body"
	GiveGroundNumber          ID = "give_ground_number"
	GiveJudgement             ID = "give_judgement"
	GiveLanguage              ID = "give_language"
	GiveNewDate               ID = "give_new_date"
	HandlerSet                ID = "handler_set"
	LanguageSetComplainant    ID = "language_set_complainant"
	LanguageSetStaff          ID = "language_set_staff"
	MinutesNobody             ID = "minutes_nobody"
	MinutesParty              ID = "minutes_party"
	MinutesRecorded           ID = "minutes_recorded"
	MinutesSent               ID = "minutes_sent"
	NoCase                    ID = "no_case"
	NoCategories              ID = "no_categories"
	NoDecisionTerm            ID = "no_decision_term"
	NoExtension               ID = "no_extension"
	NoFurtherBody             ID = "no_further_body"
	NoNextBody                ID = "no_next_body"
	NoProofOfSender           ID = "no_proof_of_sender"
	Nobody                    ID = "nobody"
	NotAfterCurrentTerm       ID = "not_after_current_term"
	NotInState                ID = "not_in_state"
	NotStaffMember            ID = "not_staff_member"
	NoteRecorded              ID = "note_recorded"
	NotifiedConfidentially    ID = "notified_confidentially"
	NotifiedWithCopy          ID = "notified_with_copy"
	OnlyComplainantCommand    ID = "only_complainant_command"
	OnlyStaffOrComplainant    ID = "only_staff_or_complainant"
	PutTextBelow              ID = "put_text_below"
	Referred                  ID = "referred"
	RulingAfterEscalation     ID = "ruling_after_escalation"
	RulingNeedsText           ID = "ruling_needs_text"
	RulingRecorded            ID = "ruling_recorded"
	UnknownCategory           ID = "unknown_category"
	UnknownCommand            ID = "unknown_command"
	UnknownJudgement          ID = "unknown_judgement"
	RegisterFuture            ID = "register_future"
	RegisterInCase            ID = "register_in_case"
	RegisterNeedsProof        ID = "register_needs_proof"
	RegisterNoAddress         ID = "register_no_address"
	RegisterOpened            ID = "register_opened"
	RegisterUsage             ID = "register_usage"
	RegisteredSubject         ID = "registered_subject"
)

var texts = map[ID][2]string{ // {Dutch, English}
	RegisterFuture: {
		"%s ligt in de toekomst: geef de datum waarop de klacht binnenkwam",
		"%s lies in the future: give the date the complaint came in",
	},
	RegisterInCase: {
		"#registreer opent een nieuwe zaak: stuur het aan het klachtenloket, zonder zaaknummer in het onderwerp",
		"#register opens a new case: send it to the complaints desk, without a case number in the subject",
	},
	RegisterNeedsProof: {
		"niets in dit bericht bewijst dat het van u komt, en een nieuwe zaak kan niet op een bevestiging wachten: verstuur het via de mailserver van de organisatie",
		"nothing in this message proves that it comes from you, and a new case cannot wait for a confirmation: send it through the organisation's mail server",
	},
	RegisterNoAddress: {
		"; er is geen e-mailadres van de klager, dus geen ontvangstbevestiging: stuur die zelf",
		"; there is no email address of the complainant, so no acknowledgement: send one yourself",
	},
	RegisterOpened: {
		"zaak %s geopend voor de klacht per %s van %s",
		"case %s opened for the complaint by %s of %s",
	},
	RegisterUsage: {
		"schrijf #registreer telefoon|brief|balie|email JJJJ-MM-DD, met daaronder Naam:, E-mail: en Adres: en dan de klacht",
		"write #register phone|letter|desk|email YYYY-MM-DD, with below it Naam:, E-mail: and Adres: and then the complaint",
	},
	RegisteredSubject: {
		"Klacht ontvangen per %s",
		"Complaint received by %s",
	},
	AccusedAddressUnknown: {
		"het adres van de aangeklaagde is niet bekend; geef het eerst met #aangeklaagde Naam <adres>",
		"the accused's address is not known; give it first with #accused Name <address>",
	},
	AccusedNotified: {
		"de aangeklaagde (%s) krijgt bericht",
		"the accused (%s) is notified",
	},
	AccusedSet: {
		"aangeklaagde: %s",
		"accused: %s",
	},
	AccusedSetWithoutAddress: {
		"aangeklaagde: %s (zonder adres kan #informeer-aangeklaagde niet)",
		"accused: %s (without an address #notify-accused cannot be used)",
	},
	AdviceRecorded: {
		"advies van %s vastgelegd; de zaak is weer in behandeling voor het besluit; bericht aan %s",
		"advice of %s recorded; the case is back in progress for the decision; sent to %s",
	},
	AppealAfterDecision: {
		"beroep kan na een besluit; de zaak is %s",
		"an appeal is possible after a decision; the case is %s",
	},
	BodyNotInRegulation: {
		"de instantie %q staat niet (meer) in de regeling",
		"the body %q is not in the regulation (any more)",
	},
	BodyWithoutAddress: {
		"; van %s is geen adres bekend: stuur het dossier zelf door",
		"; no address is known for %s: forward the case file yourself",
	},
	CannotReadAddress: {
		"adres %q is onleesbaar: %v",
		"cannot read address %q: %v",
	},
	CaseClosed: {
		"zaak gesloten",
		"case closed",
	},
	CaseClosedWithoutDecision: {
		"zaak gesloten zonder besluit; bericht aan %s",
		"case closed without a decision; notice to %s",
	},
	CasePurged: {
		"de persoonsgegevens van deze zaak zijn gewist; er kan niets meer mee",
		"the personal data of this case were purged; nothing more can be done with it",
	},
	CaseReopened: {
		"zaak heropend",
		"case reopened",
	},
	CaseState: {
		"de zaak is %s",
		"the case is %s",
	},
	CategorySet: {
		"categorie %s: %s",
		"category %s: %s",
	},
	CommandForStaff: {
		"#%s is een opdracht voor behandelaars",
		"#%s is a command for staff",
	},
	ComplaintWithdrawn: {
		"klacht ingetrokken; bericht aan %s",
		"complaint withdrawn; notice to %s",
	},
	ConfidentialSet: {
		"vertrouwelijk: de identiteit van de klager gaat niet naar de aangeklaagde",
		"confidential: the complainant's identity is not mailed to the accused",
	},
	DecisionNeedsReasons: {
		"een besluit is gemotiveerd: zet de motivering en maatregelen op de regels onder #besluit",
		"a decision gives reasons: put the reasons and measures on the lines below #decide",
	},
	DecisionSent: {
		"besluit (%s) verstuurd aan %s",
		"decision (%s) sent to %s",
	},
	DecisionTermExtended: {
		"beslistermijn verlengd tot %s; bericht aan %s",
		"decision term extended to %s; notice to %s",
	},
	DeclineNeedsReasons: {
		"geef de redenen op de regels onder #niet-behandelen",
		"give the reasons on the lines below #decline",
	},
	Declined: {
		"niet in behandeling genomen; bericht aan %s",
		"declined; notice to %s",
	},
	ExtendedOnceAlready: {
		"de termijn is al eens verlengd; de regeling staat dat één keer toe%s",
		"the term was extended before; the regulation allows that once%s",
	},
	ExtensionNeedsReason: {
		"de regeling vraagt een reden: zet die op de regels onder #verdagen",
		"the regulation asks for a reason: put it on the lines below #extend",
	},
	ExtensionTooLate: {
		"de regeling staat verlenging toe tot uiterlijk %s (%s na de oorspronkelijke termijn%s)",
		"the regulation allows an extension up to %s (%s after the original term%s)",
	},
	FlagAnonymous: {
		"de klacht is anoniem; de regeling behandelt die alleen als de aard van de klacht strikte anonimiteit vereist",
		"the complaint is anonymous; the regulation deals with those only when the nature of the complaint requires strict anonymity",
	},
	FlagHandled: {
		"dezelfde klager diende over %s al eerder een klacht in die is afgehandeld (%s)",
		"the same complainant made an earlier complaint about %s that was dealt with (%s)",
	},
	FlagWindow: {
		"de gebeurtenis was op %s, langer dan %s voor de klacht binnenkwam",
		"the event was on %s, more than %s before the complaint came in",
	},
	GiveAccusedNameAddress: {
		"geef naam en adres: #aangeklaagde Naam <adres>",
		"give name and address: #accused Name <address>",
	},
	GiveBody: {
		"geef de instantie: #escaleren %s",
		"give the body: #escalate %s",
	},
	GiveGroundNumber: {
		"geef de grond als nummer, bijvoorbeeld #niet-behandelen 1; de gronden van de regeling:%s",
		"give the ground by number, e.g. #decline 1; the regulation's grounds:%s",
	},
	GiveJudgement: {
		"geef het oordeel: #besluit gegrond, ongegrond of deels-gegrond",
		"give the judgement: #decide gegrond, ongegrond or deels-gegrond",
	},
	GiveLanguage: {
		"geef de taal: #taal nl of #taal en",
		"give the language: #language nl or #language en",
	},
	GiveNewDate: {
		"geef de nieuwe datum als JJJJ-MM-DD, bijvoorbeeld #verdagen %s",
		"give the new date as YYYY-MM-DD, e.g. #extend %s",
	},
	HandlerSet: {
		"behandelaar is nu %s",
		"handler is now %s",
	},
	LanguageSetComplainant: {
		"wij schrijven u voortaan in het %s",
		"we will write to you in %s from now on",
	},
	LanguageSetStaff: {
		"e-mail aan de klager gaat voortaan in het %s",
		"mail to the complainant is now written in %s",
	},
	MinutesNobody: {
		"gespreksverslag niet vastgelegd: de partij heeft geen adres, of is (nog) niet geïnformeerd over de klacht",
		"minutes not recorded: the party has no address, or was not (yet) told of the complaint",
	},
	MinutesParty: {
		"%q is geen partij: #verslag klager of #verslag aangeklaagde stuurt het verslag aan die partij",
		"%q is no party: #minutes complainant or #minutes accused sends the record to that party",
	},
	MinutesSent: {
		"gespreksverslag vastgelegd en gestuurd aan %s",
		"minutes recorded and sent to %s",
	},
	MinutesRecorded: {
		"gespreksverslag vastgelegd",
		"minutes recorded",
	},
	NoCase: {
		"dit bericht hoort bij geen zaak: antwoord op een e-mail van het klachtenloket over de zaak, of zet het zaaknummer [K-JJJJ-NNNN] in het onderwerp",
		"this message belongs to no case: reply to a mail of the complaints desk about the case, or put its number [K-YYYY-NNNN] in the subject",
	},
	NoCategories: {
		"de regeling kent geen categorieën",
		"the regulation has no categories",
	},
	NoDecisionTerm: {
		"deze zaak heeft geen lopende beslistermijn",
		"this case has no running decision term",
	},
	NoExtension: {
		"de regeling staat geen verlenging toe%s",
		"the regulation allows no extension%s",
	},
	NoFurtherBody: {
		"er is geen instantie meer om in beroep te gaan",
		"there is no further body to appeal to",
	},
	NoNextBody: {
		"de regeling kent geen volgende instantie",
		"the regulation names no next body",
	},
	NoProofOfSender: {
		"niets in dit bericht bewijst dat het van %s komt: antwoord op een e-mail van het klachtenloket over deze zaak (het antwoordadres bevat uw persoonlijke code), of verstuur het via een mailserver die wij vertrouwen",
		"nothing in this message proves that it comes from %s: reply to a mail of the complaints desk about this case (its reply address carries your personal code), or send it through a mail server we trust",
	},
	Nobody: {
		"niemand",
		"nobody",
	},
	NotAfterCurrentTerm: {
		"%s ligt niet na de huidige termijn (%s)",
		"%s is not after the current term (%s)",
	},
	NotInState: {
		"dat kan niet: de zaak is %s",
		"not possible: the case is %s",
	},
	NotStaffMember: {
		"%q is geen medewerker in de configuratie",
		"%q is not a staff member in the configuration",
	},
	NoteRecorded: {
		"notitie vastgelegd",
		"note recorded",
	},
	NotifiedConfidentially: {
		"; zonder de identiteit van de klager en zonder afschrift, want de zaak is vertrouwelijk",
		"; without the complainant's identity and without a copy, as the case is confidential",
	},
	NotifiedWithCopy: {
		", met een afschrift van de klacht en de stukken",
		", with a copy of the complaint and its documents",
	},
	OnlyComplainantCommand: {
		"alleen de klager kan #%s geven; gebruik #escaleren",
		"only the complainant can give #%s; use #escalate",
	},
	OnlyStaffOrComplainant: {
		"alleen de behandelaars en de klager van zaak %s kunnen opdrachten geven",
		"only the staff and the complainant of case %s can give commands",
	},
	PutTextBelow: {
		"zet de tekst op de regels onder #%s",
		"put the text on the lines below #%s",
	},
	Referred: {
		"doorgezet naar %s; bericht aan %s",
		"referred to %s; notice to %s",
	},
	RulingAfterEscalation: {
		"een uitspraak volgt op #escaleren; de zaak is %s",
		"a ruling follows #escalate; the case is %s",
	},
	RulingNeedsText: {
		"zet de uitspraak op de regels onder #uitspraak",
		"put the ruling on the lines below #ruling",
	},
	RulingRecorded: {
		"uitspraak (%s) vastgelegd; bericht aan %s",
		"ruling (%s) recorded; sent to %s",
	},
	UnknownCategory: {
		"onbekende categorie %q (kies uit %s)",
		"unknown category %q (choose from %s)",
	},
	UnknownCommand: {
		"onbekende opdracht #%s",
		"unknown command #%s",
	},
	UnknownJudgement: {
		"onbekend oordeel %q (gegrond, ongegrond of deels-gegrond)",
		"unknown judgement %q (gegrond, ongegrond or deels-gegrond)",
	},
}
