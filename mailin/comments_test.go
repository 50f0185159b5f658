package mailin

import (
	"testing"

	"github.com/klachtenbus/klachtenbus/cases"
)

// TestAddressComments: RFC 5322 comments may stand wherever white space
// may, also inside an address (section A.5). Such a From must give the
// address, not "no usable From".
func TestAddressComments(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want cases.Address // Email "" means no address
	}{
		// RFC 5322 A.5, verbatim.
		{`Pete(A wonderful \) chap) <pete(his account)@silly.test(his host)>`, cases.Address{Name: "Pete", Email: "pete@silly.test"}},
		{`Chris Jones <c@(Chris's host.)public.example>`, cases.Address{Name: "Chris Jones", Email: "c@public.example"}},
		{`John <jdoe@one.test> (my dear friend)`, cases.Address{Name: "John", Email: "jdoe@one.test"}},
		// Nested comments, and an escaped '(' that opens nothing.
		{`Pete (a (nested (deeply)) one) <pete(x(y)z)@silly.test>`, cases.Address{Name: "Pete", Email: "pete@silly.test"}},
		{`Pete (an \( escaped one) <pete@silly.test>`, cases.Address{Name: "Pete", Email: "pete@silly.test"}},
		// A bare addr-spec with comments around its '@' and '.'.
		{`pete(his account)@silly.test(his host)`, cases.Address{Email: "pete@silly.test"}},
		{`pete@(host)silly(sub).test`, cases.Address{Email: "pete@silly.test"}},
		// Parentheses in a quoted display name are no comment.
		{`"Pete (the chap)" <pete(his account)@silly.test>`, cases.Address{Name: "Pete (the chap)", Email: "pete@silly.test"}},
		// Dots in a display name survive.
		{`Pete A. Smith (work) <pete(x)@silly.test>`, cases.Address{Name: "Pete A. Smith", Email: "pete@silly.test"}},
		// An unclosed comment swallows the rest: nothing usable is left.
		{`Pete <pete(his account@silly.test>`, cases.Address{}},
	} {
		got, ok := parseOneAddress(tc.in)
		if want := tc.want.Email != ""; ok != want || got != tc.want {
			t.Errorf("parseOneAddress(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, want)
		}
	}

	// The whole message: the From of A.5 gives a filed complaint's sender
	// and no warning about it; the group of A.5 gives its recipients.
	raw := "From: Pete(A wonderful \\) chap) <pete(his account)@silly.test(his host)>\r\n" +
		"To:A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n" +
		"         joe@example.org,\r\n  John <jdoe@one.test> (my dear friend); (the end of the group)\r\n" +
		"Cc:(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;\r\n" +
		"Date: Thu,\r\n      13\r\n        Feb\r\n          1969\r\n      23:32\r\n               -0330 (Newfoundland Time)\r\n" +
		"Message-ID:              <testabcd.1234@silly.test>\r\n\r\nTesting.\r\n"
	in, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if in.From != (cases.Address{Name: "Pete", Email: "pete@silly.test"}) {
		t.Errorf("From = %+v", in.From)
	}
	var got []string
	for _, a := range in.Recipients {
		got = append(got, a.Email)
	}
	want := []string{"c@public.example", "joe@example.org", "jdoe@one.test"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("recipients = %q, want %q", got, want)
	}
	for _, w := range in.Warnings {
		t.Errorf("warning: %s", w)
	}
}
