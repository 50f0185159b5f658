package mailin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestForwardSamples reads real forwards, as the clients wrote them, from
// testdata/forwards (see NOTES.md there for where each comes from). The
// fixtures are the forwarding mail's text only, so inlineForward reads
// them, with a forwarding date in CET for the dates written without a
// zone.
func TestForwardSamples(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	sent := time.Date(2021, 11, 8, 9, 0, 0, 0, cet)
	const (
		from    = "john.doe@acme.com"
		subject = "Integer consequat non purus"
		body    = "Aenean quis diam urna. Maecenas eleifend"
	)
	tests := []struct {
		file string
		date time.Time
	}{
		{"gmail_nl_body.txt", time.Date(2021, 10, 27, 9, 31, 0, 0, cet)},
		{"gmail_en_body.txt", time.Date(2021, 10, 27, 9, 31, 0, 0, cet)},
		{"thunderbird_nl_body.txt", time.Date(2021, 11, 3, 14, 51, 30, 0, time.UTC)},
		{"thunderbird_en_body.txt", time.Date(2021, 11, 3, 14, 51, 30, 0, time.UTC)},
		{"apple_mail_nl_body.txt", time.Date(2021, 10, 26, 11, 25, 8, 0, time.UTC)},
		{"apple_mail_en_body.txt", time.Date(2021, 10, 25, 8, 17, 21, 0, time.UTC)},
		{"outlook_live_en_body_variant_1.txt", time.Date(2021, 10, 27, 15, 14, 0, 0, cet)},
		{"yahoo_nl_body.txt", time.Date(2021, 11, 2, 8, 26, 50, 0, time.UTC)},
		{"yahoo_en_body.txt", time.Date(2021, 11, 2, 8, 26, 50, 0, time.UTC)},
		{"outlook_2013_en_body.txt", time.Date(2021, 10, 25, 11, 17, 0, 0, cet)},
		{"new_outlook_2019_nl_body.txt", time.Date(2021, 10, 28, 12, 6, 0, 0, cet)},
		{"new_outlook_2019_en_body.txt", time.Date(2021, 10, 28, 12, 46, 0, 0, cet)},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.file] = true
		raw, err := os.ReadFile(filepath.Join("testdata", "forwards", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		fw := inlineForward(string(raw), sent)
		if fw == nil {
			t.Errorf("%s: no forward found", tt.file)
			continue
		}
		if fw.From.Email != from {
			t.Errorf("%s: sender %q", tt.file, fw.From.Email)
		}
		if fw.Subject != subject {
			t.Errorf("%s: subject %q", tt.file, fw.Subject)
		}
		if !fw.Date.Equal(tt.date) {
			t.Errorf("%s: date %s, want %s", tt.file, fw.Date, tt.date)
		}
		if !strings.HasPrefix(fw.Text, body) {
			t.Errorf("%s: body %q", tt.file, fw.Text)
		}
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "forwards", "*.txt"))
	emls, _ := filepath.Glob(filepath.Join("testdata", "forwards", "*.eml"))
	files = append(files, emls...)
	seen["apple_mail_attached.eml"] = true // TestForwardSampleAttached
	for _, f := range files {
		if !seen[filepath.Base(f)] {
			t.Errorf("%s: sample not in the table", f)
		}
	}
}

// TestForwardSampleAttached reads a real forward as an attachment: Apple
// Mail's "Forward as Attachment", a message/rfc822 part beside the
// forwarder's text (testdata/forwards/apple_mail_attached.eml).
func TestForwardSampleAttached(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "forwards", "apple_mail_attached.eml"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	fw := in.Forwarded
	if fw == nil {
		t.Fatal("no forward found")
	}
	if !fw.Attached || fw.From.Email != "xxxx@xxxx.com" || fw.From.Name != "Test Tester" || fw.Subject != "Another PDF" {
		t.Errorf("forward %+v", fw)
	}
	if want := time.Date(2005, 5, 10, 17, 26, 39, 0, time.UTC); !fw.Date.Equal(want) {
		t.Errorf("date %s, want %s", fw.Date, want)
	}
	if !strings.HasPrefix(fw.Text, "Just attaching another PDF, here,") {
		t.Errorf("body %q", fw.Text)
	}
	if in.From.Email != "foo@example.com" || !strings.HasPrefix(strings.TrimSpace(in.Text), "This is the first part.") {
		t.Errorf("the forwarding mail itself: %+v %q", in.From, in.Text)
	}
}
