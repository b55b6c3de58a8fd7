//go:build !benchnoaudit

package postgres

// auditOff drops every audit event. It is true only in make bench-durable's reference build (go build
// -tags benchnoaudit), which measures the same pages without the audit log; never serve that build.
const auditOff = false
