package cases

import "testing"

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
	mid := OutMessageID("K-2026-0001", "ack", 1, tok, "example.test")
	for _, tt := range []struct {
		id string
		ok bool
	}{{mid, true}, {"<" + mid + ">", true}, {"K-2026-0001.ack.1." + tok + "@evil.test", false}, {"random@example.test", false}} {
		id, kind, got, ok := ParseOutMessageID(tt.id, "example.test")
		if ok != tt.ok || (ok && (id != "K-2026-0001" || kind != "ack" || got != tok)) {
			t.Errorf("ParseOutMessageID(%q) = %q %q %q %v", tt.id, id, kind, got, ok)
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
