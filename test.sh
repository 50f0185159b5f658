#!/usr/bin/env bash
# The whole test suite of klachtenbus, for a fresh machine and for CI.
# It installs what it needs (a C compiler for SQLite's cgo driver) when
# missing, then checks formatting, vets, runs every test, and runs each
# fuzz target briefly. Set FUZZTIME=2m (say) to fuzz longer by hand. New
# inputs are minimized for at most 3 s each; the default of 60 s stalls a
# short run.
set -euo pipefail
cd "$(dirname "$0")"

need_apt=()
command -v gcc >/dev/null 2>&1 || need_apt+=(gcc libc6-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
	echo "test.sh: installing ${need_apt[*]}"
	sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
	$sudo_cmd apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need_apt[@]}"
fi
export CGO_ENABLED=1

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== go test"
go test -count=1 -timeout 20m ./...

echo "== fuzz (${FUZZTIME:=10s} each)"
for target in $(grep -rhoE '^func (Fuzz[A-Za-z0-9_]+)' --include='*_test.go' . | sed 's/^func //' | sort -u); do
	pkg=$(dirname "$(grep -rlE "^func ${target}\(" --include='*_test.go' . | head -1)")
	echo "-- $target in $pkg"
	go test -run='^$' -fuzz="^${target}\$" -fuzztime="$FUZZTIME" -fuzzminimizetime=3s "$pkg"
done
echo "test.sh: all passed"
