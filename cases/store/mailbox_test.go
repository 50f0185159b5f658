package store

import (
	"testing"
)

// TestMailboxArgs: the arguments select the base address and the range
// of its plus-addresses.
func TestMailboxArgs(t *testing.T) {
	got := mailboxArgs("a@example.test")
	want := []any{"a@example.test", "a+", "a,", "@example.test", "@example.test"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("mailboxArgs = %v, want %v", got, want)
		}
	}
}
