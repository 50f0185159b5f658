package oauth

import (
	"encoding/json"
	"slices"
	"strings"
)

// SASL mechanisms for OAuth2.
const (
	XOAUTH2     = "XOAUTH2"
	OAUTHBEARER = "OAUTHBEARER"
)

// Mechanisms is the default order of preference: XOAUTH2 (Microsoft
// knows only it; Google and Dovecot both), then OAUTHBEARER.
var Mechanisms = []string{XOAUTH2, OAUTHBEARER}

// Mechanism picks the first of prefer (nil: Mechanisms) that the server
// offers; "" when it offers none of them.
func Mechanism(offered, prefer []string) string {
	if prefer == nil {
		prefer = Mechanisms
	}
	for _, m := range prefer {
		if slices.ContainsFunc(offered, func(o string) bool { return strings.EqualFold(o, m) }) {
			return m
		}
	}
	return ""
}

// InitialResponse is the client's first message for mech.
func InitialResponse(mech, user, token string) []byte {
	if mech == OAUTHBEARER {
		// RFC 7628 section 3.1: gs2 header with the authzid, then
		// key=value pairs separated by ^A.
		return []byte("n,a=" + user + ",\x01auth=Bearer " + token + "\x01\x01")
	}
	return []byte("user=" + user + "\x01auth=Bearer " + token + "\x01\x01")
}

// Challenge reads a server's error challenge (a JSON object with status,
// scope, schemes) and returns the client's answer, which ends the
// exchange so that the server says NO: ^A for OAUTHBEARER (RFC 7628
// section 3.2.3), empty for XOAUTH2.
func Challenge(mech string, challenge []byte) (status string, answer []byte) {
	var e struct {
		Status string `json:"status"`
	}
	json.Unmarshal(challenge, &e)
	if mech == OAUTHBEARER {
		return e.Status, []byte{0x01}
	}
	return e.Status, []byte{}
}

// RefusedError is a server's refusal of a token, for mech.
func RefusedError(server, mech, status string, cause error) *Error {
	w := server + " refused the OAuth2 token (" + mech
	if status != "" {
		w += ", status " + status
	}
	w += ")"
	if cause != nil {
		w += ": " + cause.Error()
	}
	return &Error{Kind: KindRefused, Words: w + "; the app may lack the mailbox permission or the user name is not the token's mailbox"}
}
