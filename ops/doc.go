// Package ops is what the operator of a klachtenbus daemon sees of it
// (SPEC 2b): the state its parts report (the IMAP watcher, the sender, the
// store, the scheduler), the readiness that follows from it, the metrics,
// the HTTP endpoint with /healthz, /readyz and /metrics, and the alerts
// that tell the operator by mail when a problem starts and when it ends.
//
// The parts report through small interfaces (mailin.Monitor,
// mailout.Monitor) that Health implements; none of them imports this
// package or Prometheus. Time comes from an injected clock, so tests
// move it instead of sleeping.
package ops
