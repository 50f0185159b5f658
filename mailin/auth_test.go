package mailin

import (
	"testing"
)

// authMsg builds a raw message: the given header lines (LF ends), then a
// From of from (when not empty), a Subject and a body.
func authMsg(from, header string) []byte {
	s := header
	if from != "" {
		s += "From: Someone <" + from + ">\n"
	}
	return crlf(s + "To: klachten@example.test\nSubject: test\n\nbody\n")
}

const rcvd = "Received: from sender.example.org (sender.example.org [192.0.2.1])\n\tby mx.example.test with ESMTPS; Mon, 2 Mar 2026 10:00:00 +0100\n"

func TestAuthenticatedFrom(t *testing.T) {
	mx := []string{"mx.example.test"}
	tests := []struct {
		name    string
		from    string
		header  string
		trusted []string
		want    string // "" for not proven
	}{
		{"auth pass for From", "jan@example.test",
			"Authentication-Results: mx.example.test; auth=pass smtp.auth=jan@example.test\n" + rcvd, mx,
			"auth=pass smtp.auth=jan@example.test by mx.example.test"},
		{"auth pass, case differs", "jan@example.test",
			"Authentication-Results: MX.Example.Test; AUTH=Pass smtp.auth=Jan@Example.TEST\n", mx,
			"auth=pass smtp.auth=jan@example.test by MX.Example.Test"},
		{"auth pass for another address", "jan@example.test",
			"Authentication-Results: mx.example.test; auth=pass smtp.auth=piet@example.test\n", mx, ""},
		{"auth pass, smtp.auth without @", "jan@example.test",
			"Authentication-Results: mx.example.test; auth=pass smtp.auth=jan\n", mx, ""},
		{"auth fail for From", "jan@example.test",
			"Authentication-Results: mx.example.test; auth=fail smtp.auth=jan@example.test\n", mx, ""},

		{"dkim pass, d equals From domain", "jan@example.test",
			"Authentication-Results: mx.example.test; dkim=pass (2048-bit key; unprotected) header.d=example.test header.i=@example.test header.b=\"abc\"\n" + rcvd, mx,
			"dkim=pass header.d=example.test by mx.example.test"},
		{"dkim pass, From is a subdomain of d", "jan@mail.example.test",
			"Authentication-Results: mx.example.test; dkim=pass header.d=example.test\n", mx,
			"dkim=pass header.d=example.test by mx.example.test"},
		{"dkim pass, header.i only", "jan@example.test",
			"Authentication-Results: mx.example.test; dkim=pass header.i=@Example.test\n", mx,
			"dkim=pass header.i=@example.test by mx.example.test"},
		{"dkim pass, d a different domain", "jan@example.test",
			"Authentication-Results: mx.example.test; dkim=pass header.d=example.org\n", mx, ""},
		{"dkim pass, d merely ends like From domain", "jan@example.test",
			"Authentication-Results: mx.example.test; dkim=pass header.d=ample.test\n", mx, ""},
		{"dkim pass, d a subdomain of the From domain", "jan@example.test",
			"Authentication-Results: mx.example.test; dkim=pass header.d=mail.example.test\n", mx, ""},
		{"dkim pass, d a single label", "jan@example.test",
			"Authentication-Results: mx.example.test; dkim=pass header.d=test\n", mx, ""},
		{"dkim fail", "jan@example.test",
			"Authentication-Results: mx.example.test; dkim=fail reason=\"signature verification failed\" header.d=example.test\n", mx, ""},
		{"dkim none", "jan@example.test",
			"Authentication-Results: mx.example.test; dkim=none header.d=example.test\n", mx, ""},
		{"no result at all", "jan@example.test",
			"Authentication-Results: mx.example.test; none\n", mx, ""},

		{"dmarc pass, header.from matches", "jan@example.test",
			"Authentication-Results: mx.example.test; dmarc=pass (p=reject dis=none) header.from=example.test\n", mx,
			"dmarc=pass header.from=example.test by mx.example.test"},
		{"dmarc pass, header.from differs", "jan@example.test",
			"Authentication-Results: mx.example.test; dmarc=pass header.from=example.org\n", mx, ""},
		{"dmarc pass, header.from the parent domain", "jan@mail.example.test",
			"Authentication-Results: mx.example.test; dmarc=pass header.from=example.test\n", mx, ""},
		{"spf pass does not prove From", "jan@example.test",
			"Authentication-Results: mx.example.test; spf=pass smtp.mailfrom=jan@example.test\n", mx, ""},

		{"forged trusted pass below Received, top says fail", "jan@example.test",
			"Authentication-Results: mx.example.test; dkim=fail header.d=example.test\n" + rcvd +
				"Authentication-Results: mx.example.test; dkim=pass header.d=example.test; auth=pass smtp.auth=jan@example.test\n", mx, ""},
		{"forged trusted pass below Received, top unparseable", "jan@example.test",
			"Authentication-Results: mx.example.test; dkim\n" + rcvd +
				"Authentication-Results: mx.example.test; dkim=pass header.d=example.test\n", mx, ""},
		{"untrusted pass at the top", "jan@example.test",
			"Authentication-Results: evil.example.org; dkim=pass header.d=example.test; auth=pass smtp.auth=jan@example.test\n" +
				"Authentication-Results: mx.example.test; dkim=fail header.d=example.test\n" + rcvd, mx, ""},
		{"untrusted pass only", "jan@example.test",
			"Authentication-Results: evil.example.org; auth=pass smtp.auth=jan@example.test\n", mx, ""},
		{"trusted pass below an untrusted top, same hop", "jan@example.test",
			"Authentication-Results: evil.example.org; dkim=fail header.d=example.test\n" +
				"Authentication-Results: mx.example.test; dkim=pass header.d=example.test\n" + rcvd, mx,
			"dkim=pass header.d=example.test by mx.example.test"},
		{"two trusted headers at the same hop", "jan@example.test",
			"Authentication-Results: mx.example.test; dkim=fail header.d=example.test\n" +
				"Authentication-Results: mx.example.test; dmarc=pass header.from=example.test\n" + rcvd +
				"Authentication-Results: relay.example.org; dkim=pass header.d=example.test\n", mx,
			"dmarc=pass header.from=example.test by mx.example.test"},
		{"two trusted servers, the top one counts", "jan@example.test",
			"Authentication-Results: mx2.example.test; dkim=fail header.d=example.test\n" + rcvd +
				"Authentication-Results: mx.example.test; dkim=pass header.d=example.test\n",
			[]string{"mx.example.test", "mx2.example.test"}, ""},
		{"folded header", "jan@example.test",
			"Authentication-Results: mx.example.test;\n\tdkim=pass header.d=example.test;\n\tdmarc=fail header.from=example.test\n", mx,
			"dkim=pass header.d=example.test by mx.example.test"},

		{"malformed: result without value", "jan@example.test",
			"Authentication-Results: mx.example.test; dkim; auth=pass smtp.auth=jan@example.test\n", mx, ""},
		{"malformed: unsupported version", "jan@example.test",
			"Authentication-Results: mx.example.test 2; auth=pass smtp.auth=jan@example.test\n", mx, ""},
		{"malformed: unterminated comment", "jan@example.test",
			"Authentication-Results: mx.example.test; auth=pass smtp.auth=jan@example.test (oops\n", mx, ""},
		{"malformed: empty", "jan@example.test",
			"Authentication-Results: \n", mx, ""},
		{"malformed: bad arc", "jan@example.test",
			"Authentication-Results: mx.example.test; arc=pass header.oldest-pass=x; auth=pass smtp.auth=jan@example.test\n", mx, ""},
		{"pass hidden in a comment", "jan@example.test",
			"Authentication-Results: mx.example.test; dkim=fail (bad; dkim=pass header.d=example.test) header.d=example.test\n", mx, ""},
		{"pass hidden in a quoted reason", "jan@example.test",
			"Authentication-Results: mx.example.test; dkim=fail header.d=example.org reason=\"x; dkim=pass header.d=example.test y\"\n", mx, ""},
		{"property hidden in a quoted reason", "jan@example.test",
			"Authentication-Results: mx.example.test; dkim=pass header.d=example.org reason=\"x header.d=example.test y\"\n", mx, ""},
		{"quoted smtp.auth", "jan@example.test",
			"Authentication-Results: mx.example.test; auth=pass smtp.auth=\"jan@example.test\"\n", mx,
			"auth=pass smtp.auth=jan@example.test by mx.example.test"},

		{"no trusted ids configured", "jan@example.test",
			"Authentication-Results: mx.example.test; auth=pass smtp.auth=jan@example.test\n", nil, ""},
		{"blank trusted id", "jan@example.test",
			"Authentication-Results: ; auth=pass smtp.auth=jan@example.test\n", []string{""}, ""},
		{"no From", "",
			"Authentication-Results: mx.example.test; dkim=pass header.d=example.test\n", mx, ""},

		{"devmail", "Jan@Example.test",
			"Return-Path: <jan@example.test>\nDelivered-To: klachten@example.test\n" +
				"Authentication-Results: klachtenbus-dev; auth=pass smtp.auth=jan@example.test\n",
			[]string{"klachtenbus-dev"},
			"auth=pass smtp.auth=jan@example.test by klachtenbus-dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := Parse(authMsg(tt.from, tt.header))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := AuthenticatedFrom(in, tt.trusted, 0); got != tt.want {
				t.Errorf("AuthenticatedFrom = %q, want %q (AuthResults %+v)", got, tt.want, in.AuthResults)
			}
		})
	}
}

func TestClassifySetsFromAuth(t *testing.T) {
	raw := authMsg("jan@example.test",
		"Authentication-Results: mx.example.test; dkim=pass header.d=example.test\n"+rcvd)
	in, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if in.FromAuth != "" {
		t.Errorf("after Parse FromAuth = %q, want empty (no trusted ids yet)", in.FromAuth)
	}
	trusting := us
	trusting.TrustedAuthServIDs = []string{"mx.example.test"}
	Classify(in, trusting)
	if want := "dkim=pass header.d=example.test by mx.example.test"; in.FromAuth != want {
		t.Errorf("FromAuth = %q, want %q", in.FromAuth, want)
	}
	if in.Automatic != "" {
		t.Errorf("Automatic = %q", in.Automatic)
	}
	Classify(in, us) // recomputed: us trusts nobody
	if in.FromAuth != "" {
		t.Errorf("FromAuth = %q after Classify without trusted ids", in.FromAuth)
	}
}

// TestAuthservIDExact: the authserv-id is read as RFC 8601 writes it, so
// an id with a control character, a no-break space or a non-ASCII
// look-alike glued to it belongs to nobody (the attack: "klachtenbus-dev<VT>;
// auth=pass ..." passed a lenient reading that turned <VT> into a space).
func TestAuthservIDExact(t *testing.T) {
	for _, tt := range []struct{ value, want string }{
		{"mx.example.test; auth=pass", "mx.example.test"},
		{"  mx.example.test ; auth=pass", "mx.example.test"},
		{"\tmx.example.test\r\n\t; auth=pass", "mx.example.test"},
		{"(our MX) mx.example.test; none", "mx.example.test"},
		{"mx.example.test 1; auth=pass", "mx.example.test"},
		{"mx.example.test(comment); auth=pass", "mx.example.test"},
		{`"mx.example.test"; auth=pass`, "mx.example.test"},
		{"mx.example.test", "mx.example.test"},
		{"klachtenbus-dev\v; auth=pass", ""},
		{"klachtenbus-dev\x00; auth=pass", ""},
		{"klachtenbus-dev\u00a0; auth=pass", ""},
		{"\u00a0klachtenbus-dev; auth=pass", ""},
		{"klachtenbus-dev\u2028; auth=pass", ""},
		{"\u212Alachtenbus-dev; auth=pass", ""}, // Kelvin sign for K
		{"klachtenbus-dev\x7f; auth=pass", ""},
		{"mx.example.test/evil; auth=pass", ""},
		{"\"mx.example.test\v\"; auth=pass", ""},
		{"\"mx.example.test; auth=pass", ""},
		{"(unterminated mx.example.test; auth=pass", ""},
		{"; auth=pass", ""},
		{"", ""},
	} {
		if got := AuthservID(tt.value); got != tt.want {
			t.Errorf("AuthservID(%q) = %q, want %q", tt.value, got, tt.want)
		}
	}

	dev := []string{"klachtenbus-dev"}
	for _, forged := range []string{"klachtenbus-dev\v", "klachtenbus-dev\u00a0", "\u212Alachtenbus-dev", "klachtenbus-dev\x0c"} {
		in, err := Parse(authMsg("staff1@example.test", "Authentication-Results: "+forged+"; auth=pass smtp.auth=staff1@example.test\n"))
		if err != nil {
			t.Fatal(err)
		}
		if got := AuthenticatedFrom(in, dev, 0); got != "" {
			t.Errorf("%q passed as klachtenbus-dev: %q", forged, got)
		}
	}
}

// TestAuthresHops: a trusted header counts only when at most maxHop
// Received fields stand above it, i.e. when our own receiving hop added
// it; one further down was in the message when it reached us.
func TestAuthresHops(t *testing.T) {
	mx := []string{"mx.example.test"}
	lmtp := "Received: from mx.example.test by store.example.test with LMTP; Mon, 2 Mar 2026 10:00:01 +0100\n"
	pass := "Authentication-Results: mx.example.test; auth=pass smtp.auth=jan@example.test\n"
	const proven = "auth=pass smtp.auth=jan@example.test by mx.example.test"
	for _, tt := range []struct {
		name   string
		header string
		maxHop int
		want   string
	}{
		{"on top, hops 0", pass + rcvd, 0, proven},
		{"below one Received, hops 0", lmtp + pass + rcvd, 0, ""},
		{"below one Received, hops 1 (Dovecot LMTP after the MX)", lmtp + pass + rcvd, 1, proven},
		{"below the sender's own Received, hops 1", lmtp + rcvd + pass, 1, ""},
		{"no header of ours, a forged one further down", rcvd + pass, 0, ""},
		{"ours says fail on top, forged pass further down within hops", "Authentication-Results: mx.example.test; auth=fail smtp.auth=jan@example.test\n" + lmtp + pass, 1, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in, err := Parse(authMsg("jan@example.test", tt.header))
			if err != nil {
				t.Fatal(err)
			}
			if got := AuthenticatedFrom(in, mx, tt.maxHop); got != tt.want {
				t.Errorf("AuthenticatedFrom(hops %d) = %q, want %q", tt.maxHop, got, tt.want)
			}
		})
	}
}
