package mailin

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics and that whatever it accepts
// meets the invariants every consumer relies on (safe subject, clean
// UTF-8 text, bounded recipients, consistent attachments, Raw unchanged).
// Seeded with the corpus; crashers found are kept in testdata/fuzz.
//
//	go test -run=XXX -fuzz=FuzzParse -fuzztime=30s ./mailin/
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*.eml")
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	for _, s := range []string{
		"From: a@b\r\n\r\n",
		"From: a@b\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: multipart/alternative; boundary=x\n\n--x--\n",
		"From: a@b\r\nContent-Type: text/html\r\n\r\n<a name=x><blockquote>&#0;&#x110000;</a>",
		"From: a@b\r\nContent-Type: text/plain; format=flowed; delsp=yes\r\n\r\n> a \r\n>> b \r\n-- \r\n",
		"Subject: =?utf-8?B?AA==?= =?x?Q?y?=\r\nContent-Transfer-Encoding: base64\r\n\r\n====",
	} {
		f.Add([]byte(s))
	}
	catchPanics = false
	defer func() { catchPanics = true }()
	f.Fuzz(func(t *testing.T, raw []byte) {
		orig := string(raw)
		in, err := Parse(raw)
		if err != nil {
			if in != nil {
				t.Fatal("an error with a result")
			}
			return
		}
		Classify(in, us)
		if string(raw) != orig {
			t.Fatal("Parse modified its input")
		}
		checkInvariants(t, raw, in)
	})
}
