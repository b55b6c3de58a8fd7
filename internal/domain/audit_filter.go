package domain

import "time"

// AuditFilter narrows the audit log to what a data protection officer asks: "who viewed customer 10009
// last week?". Zero fields do not narrow.
type AuditFilter struct {
	Customer int64    // a customer's number: their events and their quotes' (also after erasure)
	Supplier int64    // a supplier's number
	Actor    int64    // the acting user's id
	Actions  []string // one group of events (audit.Groups)
	From, To time.Time
	Text     string // a word or number in the details (ids and field names)
}

// Narrowed reports whether anything but the free text narrows the log: the text alone would make the
// database read every event.
func (f AuditFilter) Narrowed() bool {
	return f.Customer != 0 || f.Supplier != 0 || f.Actor != 0 || len(f.Actions) > 0 || !f.From.IsZero() || !f.To.IsZero()
}
