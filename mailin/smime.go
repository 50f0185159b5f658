package mailin

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"strings"
)

// S/MIME "opaque" signing (RFC 8551 3.5.3, application/pkcs7-mime;
// smime-type=signed-data) puts the signed MIME entity inside the
// signature, a CMS SignedData (RFC 5652) in BER: mail software that does
// not read CMS sees only an smime.p7m file. The entity is read out here
// (the signature is not checked: klachtenbus trusts no signature for who
// wrote a complaint; it only needs the text).

var (
	oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	errCMS        = errors.New("not CMS signed data")
)

// maxBERDepth bounds the nesting the BER reader follows.
const maxBERDepth = 32

// berElem is one BER element: its first identifier byte, and its
// contents (the children's encodings for a constructed element, without
// the end-of-contents octets of an indefinite length).
type berElem struct {
	tag     byte
	content []byte
}

func (e berElem) constructed() bool { return e.tag&0x20 != 0 }

// readBER reads one BER element from b and returns it and the bytes after
// it. It handles definite and indefinite lengths; high tag numbers (over
// 30) are not used by CMS and are refused.
func readBER(b []byte, depth int) (berElem, []byte, error) {
	if depth > maxBERDepth {
		return berElem{}, nil, errCMS
	}
	if len(b) < 2 || b[0]&0x1f == 0x1f {
		return berElem{}, nil, errCMS
	}
	tag, l := b[0], int(b[1])
	b = b[2:]
	switch {
	case l < 0x80:
	case l == 0x80: // indefinite: children up to the end-of-contents octets
		if tag&0x20 == 0 {
			return berElem{}, nil, errCMS
		}
		rest := b
		for {
			if len(rest) >= 2 && rest[0] == 0 && rest[1] == 0 {
				return berElem{tag, b[:len(b)-len(rest)]}, rest[2:], nil
			}
			var err error
			if _, rest, err = readBER(rest, depth+1); err != nil {
				return berElem{}, nil, err
			}
		}
	default:
		n := l & 0x7f
		if n > 4 || len(b) < n {
			return berElem{}, nil, errCMS
		}
		l = 0
		for _, c := range b[:n] {
			l = l<<8 | int(c)
		}
		b = b[n:]
	}
	if l < 0 || l > len(b) {
		return berElem{}, nil, errCMS
	}
	return berElem{tag, b[:l]}, b[l:], nil
}

// children reads the elements inside a constructed element.
func (e berElem) children(depth int) ([]berElem, error) {
	var out []berElem
	for b := e.content; len(b) > 0; {
		c, rest, err := readBER(b, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		b = rest
	}
	return out, nil
}

// octets is the value of an OCTET STRING, primitive or constructed.
func (e berElem) octets(depth int) ([]byte, error) {
	if !e.constructed() {
		return e.content, nil
	}
	cs, err := e.children(depth)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	for _, c := range cs {
		if c.tag&0x1f != 0x04 {
			return nil, errCMS
		}
		v, err := c.octets(depth + 1)
		if err != nil {
			return nil, err
		}
		buf.Write(v)
	}
	return buf.Bytes(), nil
}

// signedContent returns the content signed in a CMS SignedData
// ContentInfo: for S/MIME, a MIME entity.
func signedContent(der []byte) ([]byte, error) {
	ci, _, err := readBER(der, 0)
	if err != nil || ci.tag != 0x30 {
		return nil, errCMS
	}
	parts, err := ci.children(0)
	if err != nil || len(parts) < 2 || parts[0].tag != 0x06 || parts[1].tag != 0xa0 {
		return nil, errCMS
	}
	var oid asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(append([]byte{0x06, byte(len(parts[0].content))}, parts[0].content...), &oid); err != nil || !oid.Equal(oidSignedData) {
		return nil, errCMS
	}
	sd, err := parts[1].children(1)
	if err != nil || len(sd) != 1 || sd[0].tag != 0x30 {
		return nil, errCMS
	}
	fields, err := sd[0].children(2)
	if err != nil || len(fields) < 3 || fields[2].tag != 0x30 {
		return nil, errCMS
	}
	encap, err := fields[2].children(3)
	if err != nil || len(encap) < 2 || encap[1].tag != 0xa0 {
		return nil, errCMS // detached: the content is not inside
	}
	inner, err := encap[1].children(4)
	if err != nil || len(inner) != 1 || inner[0].tag&0x1f != 0x04 {
		return nil, errCMS
	}
	return inner[0].octets(5)
}

// unpackSigned reads the text of signed mail whose text is inside the
// signature: S/MIME opaque signing, whose entity's text and attachments
// are taken (the smime.p7m is kept), and OpenPGP cleartext signing, whose
// armour is taken off the text.
func (p *parser) unpackSigned() {
	n := len(p.in.Attachments)
	for i := 0; i < n; i++ {
		a := p.in.Attachments[i]
		if !isPKCS7Mime(a.Type) {
			continue
		}
		entity, err := signedContent(a.Content)
		if err != nil {
			continue // encrypted, or not CMS: sealed() says so
		}
		inner, err := parseNested(entity, p.locate)
		if err != nil {
			p.warn(a.Name + ": the signed content cannot be read: " + err.Error())
			continue
		}
		if strings.TrimSpace(p.in.Text) == "" {
			p.in.Text, p.in.HTMLOnly = inner.Text, inner.HTMLOnly
		}
		for _, x := range inner.Attachments {
			if len(p.in.Attachments) >= maxParts {
				break
			}
			p.in.Attachments = append(p.in.Attachments, x)
		}
	}
	if t, ok := clearsigned(p.in.Text); ok {
		p.in.Text = t
	}
}

// isPKCS7Mime reports whether a part is S/MIME's application/pkcs7-mime
// (or its old x- name): signed or encrypted, the content inside.
func isPKCS7Mime(typ string) bool {
	return typ == "application/pkcs7-mime" || typ == "application/x-pkcs7-mime"
}

// clearsigned reads the text of an OpenPGP cleartext-signed message
// (RFC 9580 7): the text between the armour header and the signature,
// with its dash-escaping undone. ok is false when text holds none.
func clearsigned(text string) (string, bool) {
	const begin, sig = "-----BEGIN PGP SIGNED MESSAGE-----", "-----BEGIN PGP SIGNATURE-----"
	i := strings.Index(text, begin)
	if i < 0 {
		return "", false
	}
	rest := text[i+len(begin):]
	// Armour headers ("Hash: SHA256") up to the first blank line.
	j := strings.Index(rest, "\n\n")
	k := strings.Index(rest, sig)
	if j < 0 || k < 0 || k < j {
		return "", false
	}
	body := rest[j+2 : k]
	end := rest[k:]
	after := ""
	if e := strings.Index(end, "-----END PGP SIGNATURE-----"); e >= 0 {
		after = strings.TrimSpace(end[e+len("-----END PGP SIGNATURE-----"):])
	}
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	for n, l := range lines {
		lines[n] = strings.TrimPrefix(l, "- ")
	}
	out := strings.TrimSpace(text[:i]) + "\n\n" + strings.Join(lines, "\n") + "\n\n" + after
	return strings.TrimSpace(out), true
}
