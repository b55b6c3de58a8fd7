package domain

import "time"

// Retention is the bookkeeping rule that keeps an accepted quote (räkenskapsinformation) and the
// customer's personal data on it. Bokföringslagen (1999:1078) 7 kap. 2 §:
//
//	"Räkenskapsinformation skall bevaras fram till och med det sjunde året efter utgången av det
//	kalenderår då räkenskapsåret avslutades."
//
// So a quote accepted on any day of a fiscal year that ends in calendar year Y is kept through 31 December
// of Y + Years, and its personal data may be erased from 1 January of Y + Years + 1. This type is the only
// place that date is worked out; SQL is handed its results (Cutoff, Periods), never the arithmetic.
type Retention struct {
	Years int // seven by law (MinRetentionYears); a company may keep longer
	// FiscalYearEnd is the month on whose last day the fiscal year (räkenskapsår) ends: December for a
	// calendar year, another month for a broken fiscal year (brutet räkenskapsår, which must end at a
	// month's end, Bokföringslagen 3 kap. 1 §).
	FiscalYearEnd time.Month
}

// RetentionRuleVersion numbers the way Retention computes holds. The database records the version its
// stored holds follow and recomputes them when a build raises it (1: seven years from the decision day;
// 2: Bokföringslagen 7 kap. 2 § from the end of the fiscal year's calendar year).
const RetentionRuleVersion = 2

// MinRetentionYears is the bookkeeping retention the law asks for (Bokföringslagen: seven years).
const MinRetentionYears = 7

// DefaultRetention is the law's rule for a company whose fiscal year is the calendar year.
var DefaultRetention = Retention{Years: MinRetentionYears, FiscalYearEnd: time.December}

// Day is t's calendar day in Sweden, at midnight Swedish time: decisions and holds are counted in days.
func Day(t time.Time) time.Time {
	l := t.In(Stockholm)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, Stockholm)
}

// fiscalYearEnd is the last day of the fiscal year that ends in calendar year y.
func (r Retention) fiscalYearEnd(y int) time.Time {
	return time.Date(y, r.FiscalYearEnd+1, 0, 0, 0, 0, 0, Stockholm) // day 0 of the next month: the last of this one
}

// FiscalYearEndOf is the last day of the fiscal year that the day of t belongs to.
func (r Retention) FiscalYearEndOf(t time.Time) time.Time {
	d := Day(t)
	if end := r.fiscalYearEnd(d.Year()); !d.After(end) {
		return end
	}
	return r.fiscalYearEnd(d.Year() + 1)
}

// ErasableFrom is the first day the personal data on a quote decided at t may be erased: 1 January after
// the Years-th calendar year after the one in which its fiscal year ended.
func (r Retention) ErasableFrom(decided time.Time) time.Time {
	return time.Date(r.FiscalYearEndOf(decided).Year()+r.Years+1, time.January, 1, 0, 0, 0, 0, Stockholm)
}

// LastDayHeld is the last day of a hold that ends before erasableFrom.
func LastDayHeld(erasableFrom time.Time) time.Time { return erasableFrom.AddDate(0, 0, -1) }

// Held reports whether a quote decided at t is still kept on the day of today.
func (r Retention) Held(decided, today time.Time) bool {
	return r.ErasableFrom(decided).After(Day(today))
}

// CustomerHold says until when a customer's personal data is kept, and why.
type CustomerHold struct {
	ErasableFrom time.Time // the first day it may be erased: today, when nothing holds it
	// Quote is the last accepted quote, whose hold ends last; nil when no quote holds the data any longer.
	Quote *Quote
}

// QuoteHold is the rule applied to one quote on the day of today: whether it still holds the personal
// data on it and, if so, the first day that data may be erased. Only an accepted quote (a sale) holds.
// The customer page, the access copy and the erasure plans all ask this.
func (r Retention) QuoteHold(status QuoteStatus, decided *time.Time, today time.Time) (erasableFrom time.Time, held bool) {
	if status != QuoteAccepted || decided == nil || !r.Held(*decided, today) {
		return time.Time{}, false
	}
	return r.ErasableFrom(*decided), true
}

// CustomerHold works out the hold of a customer with these quotes on the day of today. Holds end in
// the order of decision, so the last accepted quote still held decides.
func (r Retention) CustomerHold(quotes []Quote, today time.Time) CustomerHold {
	h := CustomerHold{ErasableFrom: Day(today)}
	for i, q := range quotes {
		from, held := r.QuoteHold(q.Status, q.DecidedAt, today)
		if held && (h.Quote == nil || q.DecidedAt.After(*h.Quote.DecidedAt)) {
			h.ErasableFrom, h.Quote = from, &quotes[i]
		}
	}
	return h
}

// Cutoff is the instant from which a decision is still held on the day of today: a quote accepted at or
// after it is kept, one accepted before it is not. It is the first moment of the fiscal year that ended
// Years calendar years before today's year.
func (r Retention) Cutoff(today time.Time) time.Time {
	return r.fiscalYearEnd(Day(today).Year()-r.Years-1).AddDate(0, 0, 1)
}

// HoldPeriod is one fiscal year's decisions, DecidedFrom ≤ decided_at < DecidedBefore, all kept until the
// same day.
type HoldPeriod struct {
	DecidedFrom, DecidedBefore time.Time
	ErasableFrom               time.Time
}

// Periods are the fiscal years from the one holding the day of from to the one holding the day of to,
// oldest first: SQL groups or updates quotes by these ranges instead of computing dates itself.
func (r Retention) Periods(from, to time.Time) []HoldPeriod {
	var out []HoldPeriod
	last := r.FiscalYearEndOf(to)
	for end := r.FiscalYearEndOf(from); !end.After(last); end = r.fiscalYearEnd(end.Year() + 1) {
		out = append(out, HoldPeriod{
			DecidedFrom:   r.fiscalYearEnd(end.Year()-1).AddDate(0, 0, 1),
			DecidedBefore: end.AddDate(0, 0, 1),
			ErasableFrom:  r.ErasableFrom(end),
		})
	}
	return out
}
