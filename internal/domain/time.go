package domain

import "time"

// Layouts of the dates and times Affär shows, reads or writes for people: ISO 8601, Swedish time.
const (
	DateLayout   = "2006-01-02"          // a calendar day: quote dates, filters, holds
	MinuteLayout = "2006-01-02 15:04"    // when something will happen or did: link expiry, jobs
	SecondLayout = "2006-01-02 15:04:05" // an instant of the record: audit and access log rows
	// BirthDateLayout is a personnummer's date of birth as written in its twelve-digit form.
	BirthDateLayout = "20060102"
)

// Stockholm is the time zone dates are shown and decided in (a Swedish company's days). The binary
// embeds the zone database (time/tzdata), so this does not depend on the host's.
var Stockholm = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		return time.UTC
	}
	return loc
}()
