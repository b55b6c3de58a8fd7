package domain

import (
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02", s, Stockholm)
	if err != nil {
		panic(err)
	}
	return t
}

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, Stockholm)
	if err != nil {
		panic(err)
	}
	return t
}

// TestRetentionFollowsBokforingslagen: "fram till och med det sjunde året efter utgången av det kalenderår då
// räkenskapsåret avslutades". The expected dates are worked out by hand from that sentence.
func TestRetentionFollowsBokforingslagen(t *testing.T) {
	june := Retention{Years: 7, FiscalYearEnd: time.June}
	february := Retention{Years: 7, FiscalYearEnd: time.February}
	for _, tc := range []struct {
		name                string
		r                   Retention
		decided             time.Time
		fiscalEnd, heldThru string
		erasableFrom        string
	}{
		{"calendar year, the issue's example", DefaultRetention, at("2026-03-24 10:00"), "2026-12-31", "2033-12-31", "2034-01-01"},
		{"calendar year, first day", DefaultRetention, at("2026-01-01 00:00"), "2026-12-31", "2033-12-31", "2034-01-01"},
		{"calendar year, last minute in Sweden", DefaultRetention, at("2026-12-31 23:59"), "2026-12-31", "2033-12-31", "2034-01-01"},
		{"calendar year, New Year's Eve in UTC is New Year in Sweden", DefaultRetention,
			time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), "2027-12-31", "2034-12-31", "2035-01-01"},
		{"29 February, calendar year", DefaultRetention, at("2028-02-29 12:00"), "2028-12-31", "2035-12-31", "2036-01-01"},
		{"29 February ends a fiscal year ending in February", february, at("2028-02-29 12:00"), "2028-02-29", "2035-12-31", "2036-01-01"},
		{"1 March starts the next February fiscal year", february, at("2028-03-01 00:00"), "2029-02-28", "2036-12-31", "2037-01-01"},
		{"28 February in a common year ends its fiscal year", february, at("2027-02-28 18:00"), "2027-02-28", "2034-12-31", "2035-01-01"},
		{"broken year, its last day", june, at("2026-06-30 16:00"), "2026-06-30", "2033-12-31", "2034-01-01"},
		{"broken year, the next one's first day", june, at("2026-07-01 08:00"), "2027-06-30", "2034-12-31", "2035-01-01"},
		{"a longer retention chosen by the company", Retention{Years: 10, FiscalYearEnd: time.December}, at("2026-03-24 10:00"),
			"2026-12-31", "2036-12-31", "2037-01-01"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.r.FiscalYearEndOf(tc.decided).Format("2006-01-02"); got != tc.fiscalEnd {
				t.Errorf("fiscal year ends %s, want %s", got, tc.fiscalEnd)
			}
			if got := LastDayHeld(tc.r.ErasableFrom(tc.decided)).Format("2006-01-02"); got != tc.heldThru {
				t.Errorf("held through %s, want %s", got, tc.heldThru)
			}
			if got := tc.r.ErasableFrom(tc.decided).Format("2006-01-02"); got != tc.erasableFrom {
				t.Errorf("erasable from %s, want %s", got, tc.erasableFrom)
			}
			last, first := day(tc.heldThru), day(tc.erasableFrom)
			if !tc.r.Held(tc.decided, last.Add(23*time.Hour+59*time.Minute)) {
				t.Errorf("not held in the last minute of %s, the hold's last day", tc.heldThru)
			}
			if tc.r.Held(tc.decided, first) {
				t.Errorf("still held on %s, the first day after", tc.erasableFrom)
			}
		})
	}
}

func TestCustomerHold(t *testing.T) {
	r := DefaultRetention
	today := at("2026-11-27 15:00")
	quote := func(number int64, status QuoteStatus, decided string) Quote {
		d := at(decided)
		return Quote{Number: number, Status: status, DecidedAt: &d}
	}
	h := r.CustomerHold([]Quote{quote(1, QuoteAccepted, "2023-11-27 10:00"), quote(2, QuoteAccepted, "2024-02-29 09:00"),
		quote(3, QuoteRejected, "2026-01-05 09:00"), quote(4, QuoteAccepted, "2018-12-31 12:00")}, today)
	if h.Quote == nil || h.Quote.Number != 2 || h.ErasableFrom.Format("2006-01-02") != "2032-01-01" ||
		LastDayHeld(r.ErasableFrom(*h.Quote.DecidedAt)).Format("2006-01-02") != "2031-12-31" || r.FiscalYearEndOf(*h.Quote.DecidedAt).Format("2006-01-02") != "2024-12-31" {
		t.Errorf("the last accepted quote (2, 2024-02-29) should hold through 2031-12-31: %+v", h)
	}
	if h := r.CustomerHold(nil, today); h.Quote != nil || h.ErasableFrom.Format("2006-01-02") != "2026-11-27" {
		t.Errorf("no quote: %+v, want erasable today", h)
	}
	// Accepted 2018-12-31: held through 2025-12-31, so nothing holds the customer in 2026.
	if h := r.CustomerHold([]Quote{quote(4, QuoteAccepted, "2018-12-31 12:00")}, today); h.Quote != nil || h.ErasableFrom.Format("2006-01-02") != "2026-11-27" {
		t.Errorf("hold over: %+v, want erasable today", h)
	}
}

// TestQuoteHold: only an accepted, decided quote holds, and only until the rule's day.
func TestQuoteHold(t *testing.T) {
	r, today := DefaultRetention, at("2026-11-27 15:00")
	decided, old := at("2024-02-29 09:00"), at("2018-12-31 12:00")
	for _, tc := range []struct {
		name    string
		status  QuoteStatus
		decided *time.Time
		want    string // the first day it may be erased; "" when nothing is held
	}{
		{"accepted", QuoteAccepted, &decided, "2032-01-01"},
		{"accepted, hold over", QuoteAccepted, &old, ""},
		{"rejected", QuoteRejected, &decided, ""},
		{"sent", QuoteSent, nil, ""},
		{"accepted without a decision day", QuoteAccepted, nil, ""},
	} {
		from, held := r.QuoteHold(tc.status, tc.decided, today)
		if got := map[bool]string{true: from.Format("2006-01-02")}[held]; got != tc.want {
			t.Errorf("%s: held %v until %q, want %q", tc.name, held, got, tc.want)
		}
	}
}

// TestCutoffAgreesWithTheRule: SQL selects held quotes as decided_at >= Cutoff(today) and groups them by
// Periods; both must say what Held and ErasableFrom say, for every fiscal year end and every day around
// the boundaries.
func TestCutoffAndPeriodsAgreeWithTheRule(t *testing.T) {
	for m := time.January; m <= time.December; m++ {
		r := Retention{Years: 7, FiscalYearEnd: m}
		for _, today := range []time.Time{day("2033-12-31"), day("2034-01-01"), day("2034-06-30"), day("2034-07-01"), day("2036-02-29")} {
			cut := r.Cutoff(today)
			for d := day("2025-01-01"); d.Before(day("2030-01-01")); d = d.AddDate(0, 0, 1) {
				for _, decided := range []time.Time{d, d.Add(23*time.Hour + 59*time.Minute)} {
					if held := !decided.Before(cut); held != r.Held(decided, today) {
						t.Fatalf("fiscal year ending in %s, today %s, decided %s: cutoff %s says held=%v, the rule %v",
							m, today.Format("2006-01-02"), decided, cut, held, !held)
					}
				}
			}
		}
		periods := r.Periods(day("2025-03-15"), day("2029-11-02"))
		if len(periods) < 5 {
			t.Fatalf("%s: %d periods from 2025-03 to 2029-11", m, len(periods))
		}
		for i, p := range periods {
			if i > 0 && !p.DecidedFrom.Equal(periods[i-1].DecidedBefore) {
				t.Fatalf("%s: period %d starts %s, the one before ends %s", m, i, p.DecidedFrom, periods[i-1].DecidedBefore)
			}
			for d := p.DecidedFrom; d.Before(p.DecidedBefore); d = d.AddDate(0, 0, 1) {
				if !r.ErasableFrom(d).Equal(p.ErasableFrom) {
					t.Fatalf("%s: decided %s in period %s–%s: the rule says %s, the period %s", m, d.Format("2006-01-02"),
						p.DecidedFrom.Format("2006-01-02"), p.DecidedBefore.Format("2006-01-02"), r.ErasableFrom(d), p.ErasableFrom)
				}
			}
		}
		if first, last := periods[0], periods[len(periods)-1]; first.DecidedFrom.After(day("2025-03-15")) || !last.DecidedBefore.After(day("2029-11-02")) {
			t.Fatalf("%s: periods %s–%s do not cover 2025-03-15–2029-11-02", m, first.DecidedFrom, last.DecidedBefore)
		}
	}
}
