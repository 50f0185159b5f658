package mailin

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTNEF unpacks real winmail.dat streams (testdata/tnef/NOTES.md) sent
// as Outlook sends them: the files inside become attachments of their own
// beside the winmail.dat, which is kept; a damaged stream keeps what could
// be read and says why.
func TestTNEF(t *testing.T) {
	tests := []struct {
		file  string
		names []string
		warn  string
	}{
		{"one-file.tnef", []string{"AUTHORS"}, ""},
		{"two-files.tnef", []string{"AUTHORS", "README"}, ""},
		{"attachments.tnef", []string{"ZAPPA_~2.JPG", "bookmark.htm"}, ""},
		{"garbage-at-end.tnef", nil, "winmail.dat: TNEF"},
		{"badchecksum.tnef", nil, "winmail.dat: not a TNEF stream"},
	}
	for _, tt := range tests {
		data, err := os.ReadFile(filepath.Join("testdata", "tnef", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		raw := "From: Jan <jan@example.test>\nTo: klachten@example.test\nSubject: Klacht\nMessage-ID: <tnef@example.test>\nMIME-Version: 1.0\n" +
			"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; charset=utf-8\n\nZie de bijlagen.\n" +
			"--b\nContent-Type: application/ms-tnef; name=\"winmail.dat\"\nContent-Disposition: attachment; filename=\"winmail.dat\"\nContent-Transfer-Encoding: base64\n\n" +
			wrap76(base64.StdEncoding.EncodeToString(data)) + "\n--b--\n"
		in := mustParse(t, crlf(raw))
		var names []string
		for _, a := range in.Attachments[1:] {
			names = append(names, a.Name)
			if a.Size == 0 || len(a.SHA256) != 64 {
				t.Errorf("%s: %s has no content", tt.file, a.Name)
			}
		}
		if len(in.Attachments) == 0 || in.Attachments[0].Name != "winmail.dat" || !slices.Equal(names, tt.names) {
			t.Errorf("%s: attachments %v, want winmail.dat then %v", tt.file, names, tt.names)
		}
		if in.Text != "Zie de bijlagen." {
			t.Errorf("%s: text %q", tt.file, in.Text)
		}
		hasWarn := false
		for _, w := range in.Warnings {
			hasWarn = hasWarn || (tt.warn != "" && strings.HasPrefix(w, tt.warn))
		}
		if tt.warn != "" && !hasWarn {
			t.Errorf("%s: warnings %q, want one starting %q", tt.file, in.Warnings, tt.warn)
		}
		if tt.warn == "" && len(in.Warnings) > 0 {
			t.Errorf("%s: warnings %q", tt.file, in.Warnings)
		}
	}
}

func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\n")
		s = s[76:]
	}
	b.WriteString(s)
	return b.String()
}

// FuzzTNEF: no stream makes the decoder panic or read past its input,
// and what it returns lies within it.
func FuzzTNEF(f *testing.F) {
	for _, name := range []string{"one-file.tnef", "two-files.tnef", "garbage-at-end.tnef"} {
		b, err := os.ReadFile(filepath.Join("testdata", "tnef", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		files, body, _ := decodeTNEF(b)
		total := len(body)
		for _, x := range files {
			total += len(x.data)
		}
		if total > len(b) {
			t.Fatalf("%d bytes out of %d", total, len(b))
		}
	})
}
