package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSystemdUnit: deploy/klachtenbus.service passes `systemd-analyze
// verify` (with this build as its binary) and has the hardening and the
// notification it promises. Without systemd-analyze the check skips,
// except in CI, where it fails.
func TestSystemdUnit(t *testing.T) {
	b, err := os.ReadFile("../../deploy/klachtenbus.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := string(b)
	for _, want := range []string{"Type=notify", "WatchdogSec=", "ExecReload=/bin/kill -HUP $MAINPID", "DynamicUser=yes",
		"StateDirectory=klachtenbus", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
		"CapabilityBoundingSet=\n", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "serve -config /etc/klachtenbus/klachtenbus.toml"} {
		if !strings.Contains(unit, want) {
			t.Errorf("the unit lacks %q", want)
		}
	}
	path, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("systemd-analyze not found (Debian package systemd); test.sh installs it")
		}
		t.Skip("systemd-analyze not found (Debian package systemd)")
	}
	abs, err := filepath.Abs(binary)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "klachtenbus.service")
	if err := os.WriteFile(file, []byte(strings.ReplaceAll(unit, "/usr/local/bin/klachtenbus", abs)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(path, "verify", file).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) != 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// TestContainerBuild: deploy/Dockerfile builds in two stages with cgo
// (SQLite) and keeps the store on a volume, run by a user of its own.
func TestContainerBuild(t *testing.T) {
	b, err := os.ReadFile("../../deploy/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	if strings.Count(df, "\nFROM ") != 2 || !strings.Contains(df, " AS build") || !strings.Contains(df, "COPY --from=build") {
		t.Error("not a two-stage build")
	}
	for _, want := range []string{"CGO_ENABLED=1", `VOLUME ["/var/lib/klachtenbus"]`, "USER klachtenbus", "./cmd/klachtenbus"} {
		if !strings.Contains(df, want) {
			t.Errorf("the Dockerfile lacks %q", want)
		}
	}
}
