package domain

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// UserID identifies a system user.
type UserID int64

// User is a system user: office staff, an admin or a data protection officer.
type User struct {
	ID           UserID
	Email        string
	Name         string
	PasswordHash string
	IsAdmin      bool
	Active       bool
	Language     string // "en", "sv" or "" (follow the browser)
	CreatedAt    time.Time
	LastLoginAt  *time.Time
	ErasedAt     *time.Time // a departed user whose name and address were erased (never active again)
}

// UserSummary is a user as listed, with the number of permissions held.
type UserSummary struct {
	User         User
	Permissions  int
	InvitedUntil *time.Time // an open invitation's expiry, for a user who has not set a password yet
}

// NormalizeEmail returns the address lower-cased and trimmed, or ErrInvalid.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") {
		return "", fmt.Errorf("e-mail address: %w", ErrInvalid)
	}
	return s, nil
}

// NameKey is what two users' display names must not share: the name without case and spacing, so
// "Eva  Ek", "eva ek" and "EvaEk" are one name (and nobody can pass for another in the audit log).
// Compatibility forms (full-width letters, ligatures) are folded by NFKC, and invisible format characters
// (zero-width spaces, direction marks) dropped, or "Admin\u200bistrator" would pass for a name of its own.
func NameKey(name string) string {
	folded := strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, norm.NFKC.String(name))
	return strings.ToLower(folded)
}

// Languages are the interface languages a user can choose.
var Languages = []string{"sv", "en"}

// ValidLanguage reports whether lang is one of Languages.
func ValidLanguage(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Invitation and reset links are PasswordLinkPath followed by a token of crypto/rand.Text's alphabet
// (PasswordToken, a regular expression for PostgreSQL and Go alike); RedactedLink replaces a link whose
// token must not be kept.
const (
	PasswordLinkPath = "/password/"
	PasswordToken    = "[A-Z2-7]+"
	RedactedLink     = PasswordLinkPath + "…"
)
