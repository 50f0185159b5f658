//go:build crashtest

package main

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// EnvCrashAt names a step at which the process kills itself with SIGKILL,
// for the crash tests, in a binary built with -tags crashtest (the tests
// build one; a normal build has no such switch, see crash_off.go): "step" or "step:n" (at the n-th time the step is
// reached). The steps are "fetched" (a batch fetched from IMAP),
// "processed" (a message's transaction committed), "moved" (messages moved
// to their folder), "handed" (a mail and its final dot written to the
// SMTP server, before the sent log notes it), "sent" (the server
// accepted it; the sent log has it, the store not yet), and over LMTP
// "received" (a message read, nothing stored) and "filed" (the store has
// it, the mail server has no answer yet).
const EnvCrashAt = "KLACHTENBUS_CRASH_AT"

// crashHook returns the hook for the given steps, or nil when no crash is
// asked for, so that a normal run pays nothing.
func crashHook(steps ...string) func(string) {
	spec := os.Getenv(EnvCrashAt)
	if spec == "" {
		return nil
	}
	step, nStr, _ := strings.Cut(spec, ":")
	n, err := strconv.Atoi(nStr)
	if err != nil || n < 1 {
		n = 1
	}
	mine := false
	for _, s := range steps {
		mine = mine || s == step
	}
	if !mine {
		return nil
	}
	// Each step belongs to one hook, so the hook can count it alone.
	var mu sync.Mutex
	count := 0
	return func(s string) {
		if s != step {
			return
		}
		mu.Lock()
		count++
		hit := count == n
		mu.Unlock()
		if hit {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // wait for the signal to land
		}
	}
}
