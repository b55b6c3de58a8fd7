package audit

import (
	"testing"
	"time"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
)

// TestFoldJoinsRepeatedViews: nine views by one user a few seconds apart are one line with their count and
// span; a change between views, another user, or a pause longer than the window starts a new line.
func TestFoldJoinsRepeatedViews(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 2, 0, 0, time.UTC)
	anna, bo := domain.UserID(1), domain.UserID(2)
	ev := func(min, sec int, who *domain.UserID, action string) Entry {
		return Entry{AuditEvent: domain.AuditEvent{At: at.Add(time.Duration(min)*time.Minute + time.Duration(sec)*time.Second), ActorID: who, Action: action}}
	}
	var newestFirst []Entry
	for i := 8; i >= 0; i-- {
		newestFirst = append(newestFirst, ev(0, i*10, &anna, CustomerViewed)) // 10:02:00–10:03:20
	}
	lines := Fold(newestFirst)
	if len(lines) != 1 || lines[0].Count != 9 || !lines[0].First.Equal(at) || !lines[0].Last.Equal(at.Add(80*time.Second)) {
		t.Fatalf("nine views: %+v, want one line of 9 from 10:02:00 to 10:03:20", lines)
	}
	for name, c := range map[string]struct {
		entries []Entry
		want    int
	}{
		"a change between":                     {[]Entry{ev(0, 0, &anna, CustomerViewed), ev(0, 5, &anna, "customer.updated"), ev(0, 10, &anna, CustomerViewed)}, 3},
		"another user":                         {[]Entry{ev(0, 0, &anna, CustomerViewed), ev(0, 5, &bo, CustomerViewed)}, 2},
		"the system and a user":                {[]Entry{ev(0, 0, nil, CustomerViewed), ev(0, 5, &anna, CustomerViewed)}, 2},
		"a long pause":                         {[]Entry{ev(0, 0, &anna, CustomerViewed), ev(5, 1, &anna, CustomerViewed)}, 2},
		"just inside the window, oldest first": {[]Entry{ev(0, 0, &anna, CustomerViewed), ev(5, 0, &anna, CustomerViewed), ev(10, 0, &anna, CustomerViewed)}, 1},
		"customer and credit report views of each visit, interleaved": {[]Entry{ev(0, 0, &anna, CustomerViewed),
			ev(0, 0, &anna, CreditReportViewed), ev(0, 10, &anna, CustomerViewed), ev(0, 10, &anna, CreditReportViewed),
			ev(0, 20, &anna, CustomerViewed), ev(0, 20, &anna, CreditReportViewed)}, 2},
		"changes are never folded": {[]Entry{ev(0, 0, &anna, "customer.updated"), ev(0, 1, &anna, "customer.updated")}, 2},
	} {
		if got := Fold(c.entries); len(got) != c.want {
			t.Errorf("%s: %d lines, want %d", name, len(got), c.want)
		}
	}
}

// TestEveryActionHasAGroup: the audit log's event filter finds every kind of event the catalogue names.
func TestEveryActionHasAGroup(t *testing.T) {
	grouped := map[string]string{}
	for _, g := range Groups {
		for _, a := range g.Actions {
			if other, dup := grouped[a]; dup {
				t.Errorf("%s is in both %s and %s", a, other, g.Name)
			}
			grouped[a] = g.Name
		}
	}
	for _, key := range i18n.KeysWith("action.") {
		if grouped[key] == "" {
			t.Errorf("%s is in no group of audit.Groups", key)
		}
	}
}
