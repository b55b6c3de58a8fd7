package user

import (
	"time"

	"github.com/affar/affar/internal/domain"
)

// Account is a user as handlers see one: everything but the password hash, with what the hash told
// (Invited) and the open invitation's expiry.
type Account struct {
	ID          domain.UserID
	Email       string
	Name        string
	IsAdmin     bool
	Active      bool
	Language    string
	LastLoginAt *time.Time
	// Invited: the user has not chosen a password yet.
	Invited bool
	// InvitedUntil is the expiry of the newest invitation link still open (not used or withdrawn), which
	// may already have passed; nil when there is none.
	InvitedUntil *time.Time
	Erased       bool // a departed user whose name and address were erased (Service.Erase)
}

// AccountOf is u without its password hash; until is its open invitation's expiry, if any.
func AccountOf(u domain.User, until *time.Time) Account {
	return Account{ID: u.ID, Email: u.Email, Name: u.Name, IsAdmin: u.IsAdmin, Active: u.Active, Language: u.Language,
		LastLoginAt: u.LastLoginAt, Invited: u.PasswordHash == "", InvitedUntil: until, Erased: u.ErasedAt != nil}
}

// Status is where an account stands, as the user list and the user's page show it.
type Status int

const (
	StatusActive          Status = iota // may sign in
	StatusInactive                      // deactivated: cannot sign in, and any invitation is moot
	StatusInvited                       // has not chosen a password; the invitation link works until InvitedUntil
	StatusInviteExpired                 // has not chosen a password, and the invitation link has run out
	StatusInviteWithdrawn               // has not chosen a password, and the link was withdrawn (a change since)
)

// Key is the status's message id; StatusInvited's takes the expiry as {0}.
func (s Status) Key() string {
	return [...]string{"users.status.active", "users.status.inactive", "users.status.invited", "users.status.invite_expired",
		"users.status.invite_withdrawn"}[s]
}

// StatusOf decides a's status at now. A link is valid while now is before its expiry (as the link check
// in postgres.UserToken has it), so at the second of expiry the invitation has run out.
func StatusOf(a Account, now time.Time) Status {
	switch {
	case !a.Active:
		return StatusInactive
	case !a.Invited:
		return StatusActive
	case a.InvitedUntil == nil:
		return StatusInviteWithdrawn
	case now.Before(*a.InvitedUntil):
		return StatusInvited
	default:
		return StatusInviteExpired
	}
}
