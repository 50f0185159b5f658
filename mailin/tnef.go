package mailin

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"mime"
	"path"
	"strings"

	"github.com/klachtenbus/klachtenbus/cases"
)

// TNEF (MS-OXTNEF) is how Outlook and Exchange wrap a message's
// attachments and formatted body for other Microsoft software: one
// winmail.dat attachment (application/ms-tnef) that other mail software
// shows as an unreadable file. The complainant's documents are inside it.
//
// A TNEF stream is a signature, a key and then attributes, each: a level
// byte (1 message, 2 attachment), an attribute ID (uint32, little endian:
// the low 16 bits name it, the high 16 bits give its type), a length, the
// data and a checksum (the sum of the data bytes, modulo 65536).
const tnefSignature = 0x223E9F78

// The attributes read (their low 16 bits).
const (
	tnefAttachRendData = 0x9002 // starts an attachment
	tnefAttachTitle    = 0x8010 // its file name (8.3, NUL-terminated)
	tnefAttachData     = 0x800F // its contents
	tnefBody           = 0x800C // the message's plain text body
)

// tnefFile is one attachment found in a TNEF stream.
type tnefFile struct {
	name string
	data []byte
}

var errTNEF = errors.New("not a TNEF stream")

// decodeTNEF reads the attachments and the plain text body of a TNEF
// stream. It stops at the first attribute that is cut short or whose
// checksum is wrong, returning what it read before and the error.
func decodeTNEF(b []byte) (files []tnefFile, body string, err error) {
	if len(b) < 6 || binary.LittleEndian.Uint32(b) != tnefSignature {
		return nil, "", errTNEF
	}
	b = b[6:]
	var cur *tnefFile
	for len(b) > 0 {
		if len(b) < 9 {
			return files, body, fmt.Errorf("TNEF: attribute header cut short")
		}
		id := binary.LittleEndian.Uint32(b[1:]) & 0xFFFF
		n := binary.LittleEndian.Uint32(b[5:])
		b = b[9:]
		if uint64(n)+2 > uint64(len(b)) {
			return files, body, fmt.Errorf("TNEF: attribute of %d bytes cut short", n)
		}
		data := b[:n]
		var sum uint16
		for _, c := range data {
			sum += uint16(c)
		}
		if binary.LittleEndian.Uint16(b[n:]) != sum {
			return files, body, fmt.Errorf("TNEF: checksum of attribute %#x is wrong", id)
		}
		b = b[n+2:]
		switch id {
		case tnefAttachRendData:
			files = append(files, tnefFile{})
			cur = &files[len(files)-1]
		case tnefAttachTitle:
			if cur != nil {
				cur.name = string(bytes.TrimRight(data, "\x00"))
			}
		case tnefAttachData:
			if cur != nil {
				cur.data = data
			}
		case tnefBody:
			body = string(bytes.TrimRight(data, "\x00"))
		}
	}
	return files, body, nil
}

// isTNEF reports whether an attachment is a TNEF stream by its type or
// its conventional name.
func isTNEF(a cases.Attachment) bool {
	switch strings.ToLower(a.Type) {
	case "application/ms-tnef", "application/vnd.ms-tnef":
		return true
	}
	return strings.EqualFold(a.Name, "winmail.dat")
}

// unpackTNEF adds the files inside each winmail.dat as attachments of
// their own, after it (the winmail.dat itself is kept: it is what came),
// and takes its plain text body when the message has no text.
func (p *parser) unpackTNEF() {
	n := len(p.in.Attachments)
	for i := 0; i < n; i++ {
		a := p.in.Attachments[i]
		if !isTNEF(a) {
			continue
		}
		files, body, err := decodeTNEF(a.Content)
		if err != nil {
			p.warn(fmt.Sprintf("%s: %v", a.Name, err))
		}
		for j, f := range files {
			if len(p.in.Attachments) >= maxParts {
				p.warn("too many attachments in " + a.Name)
				break
			}
			name := cleanFilename(toValidUTF8([]byte(f.name)))
			if name == "" {
				name = fmt.Sprintf("winmail-%d", j+1)
			}
			typ := mime.TypeByExtension(strings.ToLower(path.Ext(name)))
			if typ == "" {
				typ = "application/octet-stream"
			} else if t, _, err := mime.ParseMediaType(typ); err == nil {
				typ = t
			}
			p.in.Attachments = append(p.in.Attachments, newAttachment(name, typ, f.data))
		}
		if strings.TrimSpace(p.in.Text) == "" && strings.TrimSpace(body) != "" {
			p.in.Text = normalizeText(toValidUTF8([]byte(body)))
		}
	}
}
