package mailin

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"unsafe"

	"github.com/klachtenbus/klachtenbus/cases"
)

// locateCases are messages whose parts are large or awkward to find in
// the raw message: nested multiparts, a missing final boundary, LF line
// ends, repeated and periodic bodies, every transfer encoding.
func locateCases() map[string][]byte {
	big := randomBytes(300<<10, 2)
	b64 := string(base64Lines(big))
	periodic := strings.Repeat("AAAA", 40<<10)
	qp := strings.Repeat("Klacht =C3=BCber de gang van zaken, regel na regel.=\r\n", 4000)
	head := "From: a@example.test\r\nTo: klachten@example.test\r\nSubject: s\r\nMessage-ID: <m@example.test>\r\nMIME-Version: 1.0\r\n"
	part := func(b, hdr, body string) string { return "--" + b + "\r\n" + hdr + "\r\n" + body + "\r\n" }
	att := "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"a.bin\"\r\n"
	return map[string][]byte{
		"base64 twice": []byte(head + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
			part("b", "Content-Type: text/plain\r\n", "tekst") +
			part("b", att+"Content-Transfer-Encoding: base64\r\n", b64) +
			part("b", att+"Content-Transfer-Encoding: base64\r\n", b64) + "--b--\r\n"),
		"periodic bodies": []byte(head + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
			part("b", att+"X-Pad: AAAA\r\n", periodic) +
			part("b", att, periodic+"B") +
			part("b", att, periodic) + "--b--\r\n"),
		"nested": []byte(head + "Content-Type: multipart/mixed; boundary=\"o\"\r\n\r\n" +
			part("o", "Content-Type: multipart/alternative; boundary=\"i\"\r\n",
				part("i", "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n", qp)+
					part("i", "Content-Type: text/html; charset=utf-8\r\n", "<p>"+periodic+"</p>")+"--i--") +
			part("o", "Content-Type: message/rfc822\r\n", head+"\r\n"+periodic) +
			part("o", att+"Content-Transfer-Encoding: 8bit\r\n", string(big[:100<<10])) + "--o--\r\n"),
		"missing final boundary": []byte(head + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
			part("b", "Content-Type: text/plain\r\n", "tekst") +
			"--b\r\n" + att + "Content-Transfer-Encoding: base64\r\n\r\n" + b64),
		"missing inner final boundary": []byte(head + "Content-Type: multipart/mixed; boundary=\"o\"\r\n\r\n" +
			part("o", "Content-Type: multipart/mixed; boundary=\"i\"\r\n",
				part("i", att+"Content-Transfer-Encoding: base64\r\n", b64)+"--i\r\n"+att+"\r\n"+periodic) +
			part("o", att, periodic) + "--o--\r\n"),
		"LF line ends": []byte(strings.ReplaceAll(head+"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"+
			part("b", att+"Content-Transfer-Encoding: base64\r\n", b64)+
			part("b", "Content-Type: text/plain; charset=iso-8859-1\r\n", strings.Repeat("caf\xe9 ", 30000))+"--b--\r\n", "\r\n", "\n")),
		"damaged base64": []byte(head + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
			part("b", att+"Content-Transfer-Encoding: base64\r\n", b64[:len(b64)/2]+"!!*&^\r\n"+b64[len(b64)/2:]) + "--b--\r\n"),
		"unknown encoding": []byte(head + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
			part("b", att+"Content-Transfer-Encoding: x-uuencode\r\n", b64) +
			part("b", att+"Content-Transfer-Encoding: binary\r\n", "") + "--b--\r\n"),
		"single part": []byte(head + "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64),
	}
}

// TestLocatedPartsParseAlike parses the corpus and the locate cases with
// parts found in the raw message (at several sizes, down to every part)
// and with every part copied: the results must be the same.
func TestLocatedPartsParseAlike(t *testing.T) {
	msgs := locateCases()
	files, err := filepath.Glob("testdata/*.eml")
	if err != nil || len(files) == 0 {
		t.Fatalf("corpus: %v", err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		msgs[filepath.Base(f)] = raw
	}
	for name, raw := range msgs {
		orig := bytes.Clone(raw)
		want, wantErr := parse(raw, 0)
		for _, locate := range []int{1, 3, 64, 4096, locateMin} {
			got, err := parse(raw, locate)
			if (err == nil) != (wantErr == nil) || !reflect.DeepEqual(got, want) {
				t.Errorf("%s, locating from %d bytes: differs from copying every part", name, locate)
			}
		}
		if !bytes.Equal(raw, orig) {
			t.Fatalf("%s: parse modified its input", name)
		}
	}
	in, err := Parse(msgs["base64 twice"])
	if err != nil || len(in.Attachments) != 2 || in.Attachments[0].SHA256 != in.Attachments[1].SHA256 || in.Attachments[0].Size != 300<<10 {
		t.Errorf("base64 twice: %v, %+v", err, in)
	}
	// An 8bit attachment is not copied: its bytes are the raw message's.
	raw := msgs["nested"]
	in, err = Parse(raw)
	if err != nil || len(in.Attachments) != 2 || in.Attachments[1].Size != 100<<10 {
		t.Fatalf("nested: %v, %+v", err, in)
	}
	if c := in.Attachments[1].Content; !within(raw, c) || cap(c) != len(c) {
		t.Errorf("the 8bit attachment was copied, or may be appended to in place")
	}
	if in, _ = parse(raw, 0); within(raw, in.Attachments[1].Content) {
		t.Errorf("copying every part, the 8bit attachment is in the raw message")
	}
}

// within reports whether b lies in raw's memory.
func within(raw, b []byte) bool {
	lo, hi := uintptr(unsafe.Pointer(unsafe.SliceData(raw))), uintptr(unsafe.Pointer(unsafe.SliceData(raw)))+uintptr(len(raw))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return len(b) > 0 && lo <= p && p+uintptr(len(b)) <= hi
}

// FuzzParseLocate checks that locating parts in the raw message changes
// nothing Parse returns.
//
//	go test -run=XXX -fuzz=FuzzParseLocate -fuzztime=60s ./mailin/
func FuzzParseLocate(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.eml")
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		want, wantErr := parse(raw, 0)
		got, err := parse(raw, 1)
		if (err == nil) != (wantErr == nil) || !reflect.DeepEqual(got, want) {
			t.Fatalf("locating parts changes the result:\n got %+v\nwant %+v", got, want)
		}
	})
}

// TestReadAllSized reads as io.ReadAll does, whatever the size given.
func TestReadAllSized(t *testing.T) {
	data := randomBytes(10000, 3)
	boom := errors.New("boom")
	readers := map[string]func() io.Reader{
		"plain":     func() io.Reader { return bytes.NewReader(data) },
		"one byte":  func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data)) },
		"data+EOF":  func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) },
		"half":      func() io.Reader { return iotest.HalfReader(bytes.NewReader(data)) },
		"error":     func() io.Reader { return io.MultiReader(bytes.NewReader(data), iotest.ErrReader(boom)) },
		"data+err":  func() io.Reader { return &errAfter{data: data, err: boom} },
		"empty":     func() io.Reader { return bytes.NewReader(nil) },
		"empty+err": func() io.Reader { return iotest.ErrReader(boom) },
	}
	for name, r := range readers {
		want, wantErr := io.ReadAll(r())
		for _, size := range []int{-1, 0, 1, 63, 64, 65, 9999, 10000, 10001, 20000} {
			got, err := readAllSized(r(), size)
			if !bytes.Equal(got, want) || (got == nil) != (want == nil) || !errors.Is(err, wantErr) && err != wantErr {
				t.Errorf("%s, size %d: %d bytes, %v; want %d bytes, %v", name, size, len(got), err, len(want), wantErr)
			}
		}
	}
}

// errAfter returns its data and err with the last of it.
type errAfter struct {
	data []byte
	err  error
}

func (r *errAfter) Read(p []byte) (int, error) {
	n := copy(p, r.data)
	r.data = r.data[n:]
	if len(r.data) == 0 {
		return n, r.err
	}
	return n, nil
}

// TestReadPart reads as io.ReadAll does whether the bytes are in the raw
// message, are not, or part from it half way.
func TestReadPart(t *testing.T) {
	raw := []byte("header\r\n\r\n--b\r\n\r\nabcdefghijklmnopqrstuvwxyz\r\n--b--\r\n")
	boom := errors.New("boom")
	for _, tc := range []struct {
		name    string
		r       func() io.Reader
		aliased bool
	}{
		{"in raw", func() io.Reader { return strings.NewReader("abcdefghijklmnopqrstuvwxyz") }, true},
		{"in raw, bytewise", func() io.Reader { return iotest.OneByteReader(strings.NewReader("abcdefghij")) }, true},
		{"in raw, then an error", func() io.Reader { return &errAfter{data: []byte("abcdefghijklm"), err: boom} }, true},
		{"not in raw", func() io.Reader { return strings.NewReader("zyxwvutsrqponmlk") }, false},
		{"parts from raw", func() io.Reader { return strings.NewReader("abcdefghijXYZ and more") }, false},
		{"parts from raw with an error", func() io.Reader { return &errAfter{data: []byte("abcdefgXYZ"), err: boom} }, false},
		{"runs past raw", func() io.Reader { return strings.NewReader("--b--\r\nmore") }, false},
		{"small", func() io.Reader { return strings.NewReader("abc") }, false},
		{"empty", func() io.Reader { return strings.NewReader("") }, false},
	} {
		want, wantErr := io.ReadAll(tc.r())
		p := &parser{in: &cases.Inbound{Raw: raw}, locate: 4}
		got, err := p.readPart(tc.r())
		if !bytes.Equal(got, want) || got == nil || err != wantErr {
			t.Errorf("%s: %q, %v; want %q, %v", tc.name, got, err, want, wantErr)
		}
		if within(raw, got) != tc.aliased {
			t.Errorf("%s: in raw %v, want %v", tc.name, within(raw, got), tc.aliased)
		}
	}
}
