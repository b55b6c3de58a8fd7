package domain_test

import (
	"testing"
	"time"

	"github.com/affar/affar/internal/domain"
)

func day(s string) time.Time {
	d, err := time.Parse(domain.DateLayout, s)
	if err != nil {
		panic(err)
	}
	return d
}

// TestDueDateCountsMonthsAsTheGDPRDoes: one month from receipt is the same day of the next month, or its
// last day when it has none (art. 12(3) with Regulation 1182/71 art. 3(2)(c)).
func TestDueDateCountsMonthsAsTheGDPRDoes(t *testing.T) {
	for _, tc := range []struct {
		received string
		extended int
		due      string
	}{
		{"2026-01-31", 0, "2026-02-28"},
		{"2028-01-31", 0, "2028-02-29"}, // leap year
		{"2026-01-15", 0, "2026-02-15"},
		{"2026-03-31", 0, "2026-04-30"},
		{"2026-12-31", 0, "2027-01-31"},
		{"2026-01-31", 1, "2026-03-31"},
		{"2026-01-31", 2, "2026-04-30"},
		{"2026-11-30", 2, "2027-02-28"},
	} {
		r := domain.SubjectRequest{Received: day(tc.received), ExtendedMonths: tc.extended, Status: domain.RequestOpen}
		if got := r.Due().Format(domain.DateLayout); got != tc.due {
			t.Errorf("received %s, extended %d: due %s, want %s", tc.received, tc.extended, got, tc.due)
		}
	}
}

// TestExtensionOnlyWithinTheFirstMonth: an extension may be decided up to and including the first
// month's last day, not after, and not beyond two months.
func TestExtensionOnlyWithinTheFirstMonth(t *testing.T) {
	r := domain.SubjectRequest{Received: day("2026-01-31"), Status: domain.RequestOpen}
	at := func(s string) time.Time { return day(s).Add(10 * time.Hour) } // 11:00 in Stockholm
	if !r.CanExtend(at("2026-02-28")) {
		t.Error("an extension on the last day of the first month is refused")
	}
	if r.CanExtend(at("2026-03-01")) {
		t.Error("an extension after the first month is allowed")
	}
	r.ExtendedMonths = 2
	if r.CanExtend(at("2026-02-10")) {
		t.Error("a third month is allowed")
	}
	r.ExtendedMonths, r.Status = 0, domain.RequestAnswered
	if r.CanExtend(at("2026-02-10")) {
		t.Error("an answered request is extended")
	}
}

// TestClockOnEachBoundaryDay: days left count down to the due day, which is still in time, and the day
// after it the request is overdue; within a week it is flagged.
func TestClockOnEachBoundaryDay(t *testing.T) {
	r := domain.SubjectRequest{Received: day("2026-03-10"), Status: domain.RequestOpen} // due 2026-04-10
	for _, tc := range []struct {
		today string
		left  int
		clock domain.RequestClock
	}{
		{"2026-03-10", 31, domain.ClockRunning},
		{"2026-04-02", 8, domain.ClockRunning},
		{"2026-04-03", 7, domain.ClockSoon},
		{"2026-04-09", 1, domain.ClockSoon},
		{"2026-04-10", 0, domain.ClockSoon},
		{"2026-04-11", -1, domain.ClockOverdue},
		{"2026-04-13", -3, domain.ClockOverdue},
	} {
		// Late in the evening, Swedish time: the day is Stockholm's, not UTC's.
		now := time.Date(day(tc.today).Year(), day(tc.today).Month(), day(tc.today).Day(), 23, 30, 0, 0, domain.Stockholm)
		if got := r.DaysLeft(now); got != tc.left {
			t.Errorf("%s: %d days left, want %d", tc.today, got, tc.left)
		}
		if got := r.Clock(now); got != tc.clock {
			t.Errorf("%s: clock %d, want %d", tc.today, got, tc.clock)
		}
	}
	closed := day("2026-03-20")
	r.Status, r.Closed = domain.RequestAnswered, &closed
	if r.Clock(day("2026-05-01")) != domain.ClockClosed || r.DaysTaken() != 10 {
		t.Errorf("an answered request: clock %d, %d days taken", r.Clock(day("2026-05-01")), r.DaysTaken())
	}
	if n := domain.RequestNumber(2026, 7); n != "2026-0007" {
		t.Errorf("number %q", n)
	}
}
