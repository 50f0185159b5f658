//go:build profile

package main

import (
	"os"
	"runtime/pprof"
)

// EnvCPUProfile names a file for a CPU profile of the whole run, in a
// binary built with -tags profile (see PERFORMANCE.md). A normal build has
// no such switch.
const EnvCPUProfile = "KLACHTENBUS_CPUPROFILE"

func init() {
	path := os.Getenv(EnvCPUProfile)
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		panic(err)
	}
	atExit = func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
