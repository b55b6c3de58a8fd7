package user_test

import (
	"testing"
	"time"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/user"
)

// TestSortAsShown: the user list sorts by what it shows: names as Swedish sorts them, the status in use
// first, the latest sign-in first with those who never signed in last either way.
func TestSortAsShown(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	at := func(h int) *time.Time { v := now.Add(-time.Duration(h) * time.Hour); return &v }
	future := now.Add(time.Hour)
	list := func() []domain.UserSummary {
		return []domain.UserSummary{
			{User: domain.User{ID: 1, Name: "Örjan", Email: "o@x.se", Active: true, PasswordHash: "h", LastLoginAt: at(5)}},
			{User: domain.User{ID: 2, Name: "Åsa", Email: "a@x.se", Active: false, PasswordHash: "h"}},
			{User: domain.User{ID: 3, Name: "Zlatan", Email: "z@x.se", Active: true, PasswordHash: "h", LastLoginAt: at(1)}},
			{User: domain.User{ID: 4, Name: "Anna", Email: "n@x.se", Active: true}, InvitedUntil: &future},
		}
	}
	ids := func(l []domain.UserSummary) (out []domain.UserID) {
		for _, u := range l {
			out = append(out, u.User.ID)
		}
		return out
	}
	for _, c := range []struct {
		by   string
		desc bool
		want []domain.UserID
	}{
		{"name", false, []domain.UserID{4, 3, 2, 1}},
		{"name", true, []domain.UserID{1, 2, 3, 4}},
		{"email", false, []domain.UserID{2, 4, 1, 3}},
		{"status", false, []domain.UserID{3, 1, 4, 2}},    // active (by name), invited, inactive
		{"last_login", true, []domain.UserID{3, 1, 2, 4}}, // never signed in last, ties reversed as well
		{"last_login", false, []domain.UserID{1, 3, 4, 2}},
	} {
		l := list()
		user.Sort(l, c.by, c.desc, now)
		if got := ids(l); len(got) != len(c.want) || fmtIDs(got) != fmtIDs(c.want) {
			t.Errorf("by %s desc=%v: %v, want %v", c.by, c.desc, got, c.want)
		}
	}
}

func fmtIDs(ids []domain.UserID) string {
	s := ""
	for _, id := range ids {
		s += string(rune('0' + id))
	}
	return s
}
