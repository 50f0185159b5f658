package cases

import (
	"regexp"
	"strings"
)

// Form field keys (SPEC section 4): the short form a complainant fills in.
const (
	FieldName        = "name"
	FieldAddress     = "address"
	FieldAccused     = "accused"
	FieldEventDate   = "event_date"
	FieldDescription = "description"
	// FieldDocuments is no field of the form: a regulation that requires
	// it asks for the documents of the complaint, as attachments.
	FieldDocuments = "documents"
)

// FieldKeys lists the form's keys in the order the form shows them.
var FieldKeys = []string{FieldName, FieldAddress, FieldAccused, FieldEventDate, FieldDescription}

// fieldLabels maps each label a complainant may write (Dutch or English,
// lower case, single spaces) to its key.
var fieldLabels = map[string]string{
	"naam": FieldName, "uw naam": FieldName, "volledige naam": FieldName,
	"naam klager": FieldName, "name": FieldName, "your name": FieldName, "full name": FieldName,

	"adres": FieldAddress, "uw adres": FieldAddress, "postadres": FieldAddress,
	"woonadres": FieldAddress, "address": FieldAddress, "postal address": FieldAddress,
	"your address": FieldAddress,

	"aangeklaagde": FieldAccused, "beklaagde": FieldAccused, "naam aangeklaagde": FieldAccused,
	"tegen wie": FieldAccused, "over wie": FieldAccused, "klacht over": FieldAccused,
	"accused": FieldAccused, "person complained about": FieldAccused, "complaint about": FieldAccused,

	"datum voorval": FieldEventDate, "datum van het voorval": FieldEventDate,
	"datum gebeurtenis": FieldEventDate, "datum en tijd": FieldEventDate,
	"datum": FieldEventDate, "wanneer": FieldEventDate,
	"date of the event": FieldEventDate, "event date": FieldEventDate, "date": FieldEventDate,
	"date and time": FieldEventDate, "when": FieldEventDate,

	"omschrijving": FieldDescription, "beschrijving": FieldDescription,
	"omschrijving klacht": FieldDescription, "klacht": FieldDescription,
	"description": FieldDescription, "complaint": FieldDescription,
}

// FieldLabel returns the label of a field key in a language (nl or en).
func FieldLabel(key, lang string) string {
	nl := map[string]string{FieldName: "Naam", FieldAddress: "Adres", FieldAccused: "Aangeklaagde",
		FieldEventDate: "Datum voorval", FieldDescription: "Omschrijving"}
	en := map[string]string{FieldName: "Name", FieldAddress: "Address", FieldAccused: "Person complained about",
		FieldEventDate: "Date of the event", FieldDescription: "Description"}
	if lang == "en" {
		return en[key]
	}
	return nl[key]
}

var labelLine = regexp.MustCompile(`^\s*([\p{L}][\p{L} ]{0,40}?)\s*:\s*(.*)$`)

// ParseFields reads the form fields from the new text of a message:
// lines "Label: value" with a Dutch or English label, in any case and
// spacing. A value may go on over the following lines up to a blank line
// or the next label. Quoted lines (">") are skipped. Empty values are left
// out, so a form sent back unfilled yields nothing.
func ParseFields(text string) map[string]string {
	out := map[string]string{}
	var key string
	var val []string
	flush := func() {
		if key != "" {
			v := strings.TrimSpace(strings.Join(val, "\n"))
			if v != "" {
				if _, dup := out[key]; !dup {
					out[key] = v
				}
			}
		}
		key, val = "", nil
	}
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		trim := strings.TrimSpace(line)
		if strings.HasPrefix(trim, ">") {
			flush()
			continue
		}
		// Matched on the trimmed line: an indent of other white space
		// than ASCII (a no-break space from a web form, a vertical tab)
		// must not hide a label that an indent of spaces does not.
		if m := labelLine.FindStringSubmatch(trim); m != nil {
			label := strings.ToLower(strings.Join(strings.Fields(m[1]), " "))
			if k, ok := fieldLabels[label]; ok {
				flush()
				key = k
				val = []string{m[2]}
				continue
			}
		}
		if trim == "" {
			flush()
			continue
		}
		if key != "" {
			val = append(val, trim)
		}
	}
	flush()
	return out
}
