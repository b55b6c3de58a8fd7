//go:build benchnoaudit

package postgres

// auditOff: see audit_on.go. This build writes no audit events; it is make bench-durable's reference.
const auditOff = true
