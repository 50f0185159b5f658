package cases

import (
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	secret := []byte("s")
	tok := Token(secret, "K-2026-0001", "Jan@Example.test")
	if len(tok) != 12 || tok != Token(secret, "k-2026-0001", "jan@example.test") {
		t.Fatalf("token %q must ignore the case of ID and address", tok)
	}
	if Token(secret, "K-2026-0001", "piet@example.test") == tok || Token(secret, "K-2026-0002", "jan@example.test") == tok {
		t.Fatal("token must depend on case and person")
	}
	addr := ReplyAddress("klachten@example.test", "K-2026-0001", tok)
	if addr != "klachten+K-2026-0001."+tok+"@example.test" {
		t.Fatalf("reply address %q", addr)
	}
	tests := []struct {
		addr string
		ok   bool
	}{
		{addr, true},
		{"KLACHTEN+k-2026-0001." + tok + "@EXAMPLE.TEST", true},
		{"other+K-2026-0001." + tok + "@example.test", false},
		{"klachten+K-2026-0001." + tok + "@evil.test", false},
		{"klachten+K-2026-0001.xyz@example.test", false},
		{"klachten@example.test", false},
	}
	for _, tt := range tests {
		id, got, ok := ParseReplyAddress(tt.addr, "klachten@example.test")
		if ok != tt.ok || (ok && (id != "K-2026-0001" || got != tok)) {
			t.Errorf("ParseReplyAddress(%q) = %q %q %v", tt.addr, id, got, ok)
		}
	}
	mid := OutMessageID(secret, "K-2026-0001", "ack", 1, "example.test")
	if strings.Contains(mid, tok) {
		t.Errorf("Message-ID %q carries a person's token", mid)
	}
	for _, tt := range []struct {
		id     string
		ok     bool
		minted bool
	}{
		{mid, true, true},
		{"<" + mid + ">", true, true},
		{strings.ToUpper(mid), true, true},
		{"K-2026-0001.ack.1." + tok + "@example.test", true, false}, // a token is no tag
		{"K-2026-0001.ack.2" + mid[len("K-2026-0001.ack.1"):], true, false},
		{"K-2026-0002" + mid[len("K-2026-0001"):], true, false},
		{"K-2026-0001.decision" + mid[len("K-2026-0001.ack"):], true, false},
		{OutMessageID([]byte("other"), "K-2026-0001", "ack", 1, "example.test"), true, false},
		{"K-2026-0001.ack.1.0123456789ab@evil.test", false, false},
		{"random@example.test", false, false},
	} {
		our, ok := ParseOutMessageID(tt.id, "example.test")
		if ok != tt.ok || (ok && our.Minted(secret) != tt.minted) {
			t.Errorf("ParseOutMessageID(%q) = %+v %v, minted %v; want %v, minted %v", tt.id, our, ok, our.Minted(secret), tt.ok, tt.minted)
		}
		if ok && tt.minted && (our.CaseID != "K-2026-0001" || our.Kind != "ack" || our.N != 1) {
			t.Errorf("ParseOutMessageID(%q) = %+v", tt.id, our)
		}
	}
	if !ValidToken(secret, "K-2026-0001", "jan@example.test", tok) || ValidToken(secret, "K-2026-0001", "jan@example.test", "000000000000") {
		t.Error("ValidToken")
	}
}

func TestCaseIDs(t *testing.T) {
	if FormatCaseID(2026, 7) != "K-2026-0007" || FormatCaseID(2026, 12345) != "K-2026-12345" {
		t.Error("FormatCaseID")
	}
	if y, n, err := ParseCaseID("K-2026-0042"); err != nil || y != 2026 || n != 42 {
		t.Errorf("ParseCaseID = %d %d %v", y, n, err)
	}
	for _, bad := range []string{"K-26-0001", "X-2026-0001", "K-2026-01", ""} {
		if _, _, err := ParseCaseID(bad); err == nil {
			t.Errorf("ParseCaseID(%q) accepted", bad)
		}
	}
	if SubjectCaseID("Re: [K-2026-0003] Klacht") != "K-2026-0003" || SubjectCaseID("K-2026-0003 without tag") != "" {
		t.Error("SubjectCaseID")
	}
}

func TestCanonAddr(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		same bool
	}{
		{"Staff1@Example.TEST", "staff1@example.test", true},
		{" staff1@example.test ", "staff1@example.test", true},
		// Unicode folding would make these the same mailbox; they are not.
		{"\u017ftaff1@example.test", "staff1@example.test", false}, // ſ, long s
		{"\u212Aaren@example.test", "karen@example.test", false},   // K, Kelvin sign
		{"staff1@example.te\u017ft", "staff1@example.test", false}, // in the domain
		{"\u00c9lise@example.test", "\u00e9lise@example.test", false},
		{"staff1@example.test", "staff2@example.test", false},
	} {
		if got := SameAddr(tt.a, tt.b); got != tt.same {
			t.Errorf("SameAddr(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.same)
		}
	}
	if got := CanonAddr("\u212Aaren@Example.test"); got != "\u212Aaren@example.test" {
		t.Errorf("CanonAddr changed a non-ASCII letter: %q", got)
	}
	if Token([]byte("s"), "K-2026-0001", "\u017ftaff1@example.test") == Token([]byte("s"), "K-2026-0001", "staff1@example.test") {
		t.Error("a look-alike address has the token of the real one")
	}
}

func TestLogMessageIDHidesTheTag(t *testing.T) {
	id := OutMessageID([]byte("s"), "K-2026-0001", MailConfirmStaff, 4, "example.test")
	got := LogMessageID(id, "example.test")
	if got != "K-2026-0001.confirm_staff.4.…@example.test" || strings.Contains(got, id[len("K-2026-0001.confirm_staff.4."):strings.Index(id, "@")]) {
		t.Errorf("LogMessageID(%q) = %q", id, got)
	}
	if got := LogMessageID("abc@mail.example.org", "example.test"); got != "abc@mail.example.org" {
		t.Errorf("another's Message-ID changed: %q", got)
	}
}
