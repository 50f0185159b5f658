//go:build !crashtest

package main

// crashHook is the crash tests' hook (crash.go); a normal build has none.
func crashHook(...string) func(string) { return nil }
