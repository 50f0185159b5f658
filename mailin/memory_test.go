package mailin

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"math/rand/v2"
	"runtime"
	"testing"
)

// bigAttachment is the attachment of the memory tests: 25 MiB.
const bigAttachment = 25 << 20

// randomBytes returns n random bytes, the same for the same seed.
func randomBytes(n int, seed byte) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{seed}).Read(b)
	return b
}

// base64Lines encodes data in base64 lines of 76 characters.
func base64Lines(data []byte) []byte {
	var b bytes.Buffer
	enc := base64.StdEncoding.EncodedLen(len(data))
	b.Grow(enc + enc/76*2 + 2)
	line := make([]byte, 76)
	for i := 0; i < len(data); i += 57 {
		chunk := data[i:min(i+57, len(data))]
		base64.StdEncoding.Encode(line, chunk)
		b.Write(line[:base64.StdEncoding.EncodedLen(len(chunk))])
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

// complaintWith builds a multipart/mixed complaint with a text part and
// one base64 attachment of data.
func complaintWith(data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("From: Jan de Vries <jan@example.test>\r\nTo: klachten@example.test\r\nSubject: Klacht met bijlage\r\n" +
		"Message-ID: <big@example.test>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nNaam: Jan de Vries\r\nZie de bijlage.\r\n\r\n" +
		"--b1\r\nContent-Type: application/pdf; name=\"rapport.pdf\"\r\n" +
		"Content-Disposition: attachment; filename=\"rapport.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	b.Write(base64Lines(data))
	b.WriteString("--b1--\r\n")
	return b.Bytes()
}

// BenchmarkParse25MB parses a complaint with a 25 MiB base64 attachment:
// B/op is what Parse allocates for it.
func BenchmarkParse25MB(b *testing.B) {
	raw := complaintWith(randomBytes(bigAttachment, 1))
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		in, err := Parse(raw)
		if err != nil || len(in.Attachments) != 1 || in.Attachments[0].Size != bigAttachment {
			b.Fatalf("Parse: %v", err)
		}
	}
}

// TestParseLargeAttachmentAllocs keeps Parse from copying a large
// attachment more than once: it may allocate the decoded attachment and
// a little more, not the encoded part again or a growing buffer.
func TestParseLargeAttachmentAllocs(t *testing.T) {
	data := randomBytes(bigAttachment, 1)
	sum := sha256.Sum256(data)
	raw := complaintWith(data)
	data = nil

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	in, err := Parse(raw)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("Parse allocated %.1f MiB for a %.1f MiB attachment in a %.1f MiB message",
		float64(allocated)/(1<<20), float64(bigAttachment)/(1<<20), float64(len(raw))/(1<<20))
	if a := in.Attachments; len(a) != 1 || a[0].Size != bigAttachment || a[0].SHA256 != hex.EncodeToString(sum[:]) ||
		len(a[0].Content) != bigAttachment || a[0].Name != "rapport.pdf" {
		t.Fatalf("attachments %+v", in.Attachments)
	}
	if limit := uint64(bigAttachment) * 11 / 10; allocated > limit {
		t.Errorf("Parse allocated %d bytes, want at most %d (1.1× the attachment)", allocated, limit)
	}
}
