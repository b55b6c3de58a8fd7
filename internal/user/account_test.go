package user_test

import (
	"testing"
	"time"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/user"
)

// TestStatusOf: each status the user list shows, and the second an invitation runs out.
func TestStatusOf(t *testing.T) {
	expiry := time.Date(2026, 12, 3, 14, 0, 0, 0, domain.Stockholm)
	at := func(d time.Duration) time.Time { return expiry.Add(d) }
	for _, tc := range []struct {
		name string
		acc  user.Account
		now  time.Time
		want user.Status
	}{
		{"signed up", user.Account{Active: true}, at(0), user.StatusActive},
		{"signed up, old invitation left", user.Account{Active: true, InvitedUntil: &expiry}, at(-time.Hour), user.StatusActive},
		{"deactivated", user.Account{}, at(0), user.StatusInactive},
		{"deactivated while invited", user.Account{Invited: true, InvitedUntil: &expiry}, at(-time.Hour), user.StatusInactive},
		{"invited, a second before", user.Account{Active: true, Invited: true, InvitedUntil: &expiry}, at(-time.Second), user.StatusInvited},
		{"invited, the second of expiry", user.Account{Active: true, Invited: true, InvitedUntil: &expiry}, at(0), user.StatusInviteExpired},
		{"invited, after", user.Account{Active: true, Invited: true, InvitedUntil: &expiry}, at(time.Minute), user.StatusInviteExpired},
		{"invited, link withdrawn", user.Account{Active: true, Invited: true}, at(-time.Hour), user.StatusInviteWithdrawn},
	} {
		if got := user.StatusOf(tc.acc, tc.now); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got.Key(), tc.want.Key())
		}
	}
}

// TestAccountOf: the hash stays behind, what it told comes along.
func TestAccountOf(t *testing.T) {
	if a := user.AccountOf(domain.User{ID: 4, Name: "Kim", PasswordHash: "$argon2id$…"}, nil); a.Invited || a.ID != 4 || a.Name != "Kim" {
		t.Errorf("a user with a password: %+v", a)
	}
	if a := user.AccountOf(domain.User{ID: 4}, nil); !a.Invited {
		t.Error("a user without a password is not invited")
	}
}

// TestFirstAdmin: the first admin is named in the installation's language.
func TestFirstAdmin(t *testing.T) {
	for lang, want := range map[string]string{"sv": "Administratör", "en": "Administrator"} {
		u := user.FirstAdmin("admin@example.se", "pw", lang)
		if u.Name != want || !u.IsAdmin || u.Email != "admin@example.se" || u.Password != "pw" {
			t.Errorf("%s: %+v, want an admin named %s", lang, u, want)
		}
	}
}
