package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuiltWithoutCgo builds klachtenbus as `go run` does on a machine
// without a C compiler (CGO_ENABLED=0) and runs a newcomer's first
// command: it must say what is missing and how to get it, exit 1.
func TestBuiltWithoutCgo(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "klachtenbus-nocgo")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Skipf("cannot build without cgo: %v\n%s", err, out)
	}
	run := exec.Command(bin, "dev", "-demo", "-imap", freeAddr(t), "-smtp", freeAddr(t))
	run.Dir = dir
	run.Env = append(os.Environ(), "KLACHTENBUS_CONFIG=")
	out, err := run.CombinedOutput()
	if code := run.ProcessState.ExitCode(); code != 1 {
		t.Errorf("exit %d (%v), want 1", code, err)
	}
	for _, want := range []string{"built without cgo", "C compiler", "apt-get install gcc", "CGO_ENABLED=1"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "This is a stub") {
		t.Errorf("the driver's own message is shown:\n%s", out)
	}
}
