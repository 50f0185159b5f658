#!/usr/bin/env bash
# The whole test suite of klachtenbus, for a fresh machine and for CI.
# It installs what it needs (a C compiler for SQLite's cgo driver; Postfix
# and Dovecot, PostgreSQL, from Debian's packages) when missing, starts a private
# Postfix + Dovecot on loopback (e2e/mailstack) for the real-server tests
# and a private PostgreSQL (e2e/pgstack) for the store's second engine,
# and removes them afterwards, then checks formatting, vets, runs every
# test under the race detector, and runs each fuzz target briefly
# (50,000 inputs). Set
# FUZZTIME=5000000x (say) to fuzz longer by hand. New
# inputs are minimized for at most 3 s each; the default of 60 s stalls a
# short run.
set -euo pipefail
cd "$(dirname "$0")"

need_apt=()
command -v gcc >/dev/null 2>&1 || need_apt+=(gcc libc6-dev)
# promtool lints the /metrics exposition (ops); systemd-analyze checks the
# unit file (deploy/).
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
command -v systemd-analyze >/dev/null 2>&1 || need_apt+=(systemd)
if [ ${#need_apt[@]} -gt 0 ]; then
	echo "test.sh: installing ${need_apt[*]}"
	sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
	# The prometheus package would start a Prometheus server on :9090;
	# policy-rc.d tells invoke-rc.d not to (as e2e/mailstack does for the
	# mail servers). Only promtool is wanted.
	had_policy=1
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		had_policy=0
		printf '#!/bin/sh\nexit 101\n' | $sudo_cmd tee /usr/sbin/policy-rc.d >/dev/null
		$sudo_cmd chmod +x /usr/sbin/policy-rc.d
		trap '$sudo_cmd rm -f /usr/sbin/policy-rc.d' EXIT
	fi
	$sudo_cmd apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
	if [ $had_policy -eq 0 ]; then
		$sudo_cmd rm -f /usr/sbin/policy-rc.d
		trap - EXIT
	fi
fi
export CGO_ENABLED=1

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...
go vet -tags crashtest ./cmd/... # the crash tests' hook

# The private servers this run starts, removed again however it ends.
stackdir="" pgdir=""
cleanup() {
	[ -n "$pgdir" ] && { e2e/pgstack destroy "$pgdir" || true; }
	[ -n "$stackdir" ] && { e2e/mailstack destroy "$stackdir" || true; }
}
trap cleanup EXIT
can_run_servers() { [ "$(id -u)" -eq 0 ] || sudo -n true 2>/dev/null; }
if [ -n "${CI:-}" ]; then
	# Skipping is failing.
	export KLACHTENBUS_MAILSTACK_REQUIRED=1 KLACHTENBUS_POSTGRES_REQUIRED=1
fi

echo "== private mail stack (Postfix + Dovecot on loopback)"
if [ -z "${KLACHTENBUS_MAILSTACK:-}" ]; then
	if can_run_servers; then
		stackdir=$(mktemp -d /tmp/klachtenbus-mailstack.XXXXXX)
		e2e/mailstack start "$stackdir"
		export KLACHTENBUS_MAILSTACK=$stackdir
	else
		echo "test.sh: not root and no sudo: the real-server tests skip"
	fi
fi

echo "== private PostgreSQL (on loopback)"
if [ -z "${KLACHTENBUS_POSTGRES:-}" ]; then
	if can_run_servers; then
		pgdir=$(mktemp -d /tmp/klachtenbus-pgstack.XXXXXX)
		e2e/pgstack start "$pgdir"
		export "$(cat "$pgdir"/env)"
	else
		echo "test.sh: not root and no sudo: the PostgreSQL tests skip"
	fi
fi

echo "== go test (with the race detector)"
go test -race -count=1 -timeout 30m ./...
if [ -n "${KLACHTENBUS_POSTGRES:-}" ]; then
	echo "== the domain's suite again, on PostgreSQL"
	KLACHTENBUS_TEST_STORE=postgres go test -race -count=1 ./cases/
fi
# As a named organisation, in a store that holds another's cases of the
# same numbers: the domain must see none of them.
echo "== the domain's suite again, as one organisation of several"
KLACHTENBUS_TEST_ORG=acme go test -race -count=1 ./cases/

# A count, not a duration: a duration's deadline can fail a clean run with
# "context deadline exceeded" (Go's fuzz coordinator, golang/go#75804,
# fixed in Go 1.27).
echo "== fuzz (${FUZZTIME:=50000x} each)"
for target in $(grep -rhoE '^func (Fuzz[A-Za-z0-9_]+)' --include='*_test.go' . | sed 's/^func //' | sort -u); do
	pkg=$(dirname "$(grep -rlE "^func ${target}\(" --include='*_test.go' . | head -1)")
	echo "-- $target in $pkg"
	go test -run='^$' -fuzz="^${target}\$" -fuzztime="$FUZZTIME" -fuzzminimizetime=3s "$pkg"
done
echo "test.sh: all passed"
