package user_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil/svctest"
	"github.com/affar/affar/internal/user"
)

// The methods here check no permission, each for the reason in its test's comment; each test shows the
// happy path and what guards the method instead.

var system = authz.WithActor(context.Background(), authz.System())

// member creates a user holding ps and returns a context acting as them, the user and their password.
func member(t *testing.T, h *svctest.Harness, email string, ps ...authz.Permission) (context.Context, domain.User, string) {
	t.Helper()
	id, pw := h.MustCreateUser(t, email, false, ps...)
	u := domain.User{ID: id, Email: email, Name: "User " + email, Active: true}
	return authz.WithActor(context.Background(), authz.NewActor(u, ps)), u, pw
}

// recorded runs fn and returns the audit actions it recorded.
func recorded(t *testing.T, h *svctest.Harness, fn func()) []string {
	t.Helper()
	since := h.LastAudit(t)
	fn()
	return h.ActionsSince(t, since)
}

func signIn(t *testing.T, h *svctest.Harness, email, pw string) user.Session {
	t.Helper()
	sess, err := h.Services.Users.SignIn(context.Background(), user.Credentials{Email: email, Password: pw, Client: "192.0.2.1"})
	if err != nil {
		t.Fatalf("sign in as %s: %v", email, err)
	}
	return sess
}

// SignIn checks no permission: signing in is how a request comes to have an actor. What guards it is the
// password (and the throttle: TestSignInIsThrottledPerAccount and others in server): a wrong one, or an unknown account, starts
// no session.
func TestSignIn(t *testing.T) {
	h := svctest.New(t)
	_, pw := h.MustCreateUser(t, "kim@example.com", false)
	for _, tc := range []struct {
		name, email, password string
		err                   error
		audit                 []string
	}{
		{"right password", " Kim@Example.com", pw, nil, []string{audit.SignIn}},
		{"wrong password", "kim@example.com", pw + "x", domain.ErrBadCredentials, []string{audit.SignInFailed}},
		{"unknown account", "ingen@example.com", pw, domain.ErrBadCredentials, []string{audit.SignInFailed}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sess user.Session
			var err error
			got := recorded(t, h, func() {
				sess, err = h.Services.Users.SignIn(context.Background(), user.Credentials{Email: tc.email, Password: tc.password})
			})
			if !errors.Is(err, tc.err) || (sess.ID != "") != (tc.err == nil) {
				t.Errorf("session %q, error %v; want error %v", sess.ID, err, tc.err)
			}
			if !slices.Equal(got, tc.audit) {
				t.Errorf("recorded %q, want %q", got, tc.audit)
			}
		})
	}
}

// Actor checks no permission: it is what finds a request's actor, from its session cookie. What guards it
// is the session: an unknown or ended one (SignedOut) gives ErrUnauthenticated.
func TestActor(t *testing.T) {
	h := svctest.New(t)
	s := h.Services.Users
	_, u, pw := member(t, h, "kim@example.com", authz.CustomerView)
	sess := signIn(t, h, u.Email, pw)
	a, err := s.Actor(context.Background(), sess.ID)
	if err != nil || a.UserID != u.ID || !a.Can(authz.CustomerView) || a.Can(authz.CustomerEdit) {
		t.Fatalf("actor %+v (%v), want user %d holding customer.view only", a, err, u.ID)
	}
	if _, err := s.Actor(context.Background(), "no such session"); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Errorf("an unknown session: %v, want unauthenticated", err)
	}
	if err := s.SignedOut(authz.WithActor(context.Background(), a), sess.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Actor(context.Background(), sess.ID); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Errorf("a session signed out of: %v, want unauthenticated", err)
	}
}

// SignedOut checks no permission: anyone may end their own session. What guards it is the actor: without
// one (the session had already ended) it does nothing.
func TestSignedOut(t *testing.T) {
	h := svctest.New(t)
	s := h.Services.Users
	ctx, u, pw := member(t, h, "kim@example.com")
	sess := signIn(t, h, u.Email, pw)
	if got := recorded(t, h, func() {
		if err := s.SignedOut(context.Background(), sess.ID); err != nil {
			t.Error(err)
		}
	}); len(got) != 0 {
		t.Errorf("without an actor: recorded %q, want nothing", got)
	}
	if _, err := s.Actor(context.Background(), sess.ID); err != nil {
		t.Errorf("a sign-out without an actor ended the session: %v", err)
	}
	if got := recorded(t, h, func() {
		if err := s.SignedOut(ctx, sess.ID); err != nil {
			t.Error(err)
		}
	}); !slices.Equal(got, []string{audit.SignOut}) {
		t.Errorf("recorded %q, want the sign-out", got)
	}
}

// RecordDenied checks no permission: it records a refusal, whoever was refused, signed in or not. What
// guards the log is the compaction: within a minute, only a user's first refusal on a route is an event.
func TestRecordDenied(t *testing.T) {
	h := svctest.New(t)
	h.Clock.Set(time.Now().Truncate(time.Minute).Add(10 * time.Second)) // no minute ends during the test
	ctx, _, _ := member(t, h, "kim@example.com")
	deny := func(ctx context.Context) []string {
		return recorded(t, h, func() {
			if err := h.Services.Users.RecordDenied(ctx, "/customers/{id}/edit", string(authz.CustomerEdit)); err != nil {
				t.Error(err)
			}
		})
	}
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want []string
	}{
		{"first", ctx, []string{audit.PermissionDenied}},
		{"again", ctx, nil},
		{"not signed in", context.Background(), []string{audit.PermissionDenied}},
	} {
		if got := deny(tc.ctx); !slices.Equal(got, tc.want) {
			t.Errorf("%s: recorded %q, want %q", tc.name, got, tc.want)
		}
	}
}

// SetLanguage checks no permission: everyone chooses their own interface language. What guards it is that
// it changes only the acting user, so it needs one, and not the command line.
func TestSetLanguage(t *testing.T) {
	h := svctest.New(t)
	s := h.Services.Users
	ctx, u, _ := member(t, h, "kim@example.com")
	for _, c := range []context.Context{context.Background(), system} {
		if err := s.SetLanguage(c, "en"); !errors.Is(err, domain.ErrUnauthenticated) {
			t.Errorf("without a user: %v, want unauthenticated", err)
		}
	}
	var fe domain.FieldErrors
	if err := s.SetLanguage(ctx, "xx"); !errors.As(err, &fe) || fe["language"] == "" {
		t.Errorf("an unknown language: %v, want it refused", err)
	}
	if got := recorded(t, h, func() {
		if err := s.SetLanguage(ctx, "en"); err != nil {
			t.Error(err)
		}
	}); !slices.Equal(got, []string{audit.LanguageChanged}) {
		t.Errorf("recorded %q, want the change", got)
	}
	if got, _, _ := s.Get(system, u.ID); got.Language != "en" {
		t.Errorf("language %q, want en", got.Language)
	}
}

// HasAdmin checks no permission: the first start asks it before anyone can sign in. It tells only whether
// an active admin exists.
func TestHasAdmin(t *testing.T) {
	h := svctest.New(t) // its one user is no admin
	if got, err := h.Services.Users.HasAdmin(context.Background()); err != nil || got {
		t.Errorf("with no admin: %v (%v), want false", got, err)
	}
	h.MustCreateUser(t, "admin@example.com", true)
	if got, err := h.Services.Users.HasAdmin(context.Background()); err != nil || !got {
		t.Errorf("with an admin: %v (%v), want true", got, err)
	}
}

// LinkUser and SetPasswordByLink check no permission: the invited or locked-out user has no session, the
// link's token is their proof. What guards them is the token (made up or used: not found) and that whoever
// made the link may still manage its user (else ErrLinkRefused, and the link is withdrawn).
func TestPasswordLinks(t *testing.T) {
	h := svctest.New(t)
	s := h.Services.Users
	manager, boss, _ := member(t, h, "chef@example.com", manage...)
	invite := func(email string) user.Link {
		t.Helper()
		_, link, err := s.Invite(manager, user.Details{Name: "Ny " + email, Email: email}, false, origin)
		if err != nil {
			t.Fatal(err)
		}
		return link
	}
	link, refused := invite("ny@example.com"), invite("nekad@example.com")
	bg := context.Background()
	if u, purpose, err := s.LinkUser(bg, link.Token); err != nil || u.Email != "ny@example.com" || purpose != user.PurposeInvite {
		t.Errorf("LinkUser = %s, %q (%v), want ny@example.com's invitation", u.Email, purpose, err)
	}
	if _, _, err := s.LinkUser(bg, "AAAAAAAAAAAAAAAAAAAAAAAAAA"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("a made-up token: %v, want not found", err)
	}
	var fe domain.FieldErrors
	if err := s.SetPasswordByLink(bg, link.Token, newPassword, newPassword+"x"); !errors.As(err, &fe) || fe["repeat"] == "" {
		t.Errorf("passwords that differ: %v, want them refused", err)
	}
	if got := recorded(t, h, func() {
		if err := s.SetPasswordByLink(bg, link.Token, newPassword, newPassword); err != nil {
			t.Error(err)
		}
	}); !slices.Equal(got, []string{audit.PasswordSet}) {
		t.Errorf("recorded %q, want the password set", got)
	}
	signIn(t, h, "ny@example.com", newPassword)
	if err := s.SetPasswordByLink(bg, link.Token, newPassword, newPassword); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("a used link: %v, want not found", err)
	}

	// The manager may no longer edit users: their open invitation no longer hands out the account.
	if err := s.SetPermissions(system, boss.ID, nil, perms{authz.UserEdit}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.LinkUser(bg, refused.Token); !errors.Is(err, user.ErrLinkRefused) {
		t.Errorf("LinkUser of a link its maker may no longer make: %v, want refused", err)
	}
	if got := recorded(t, h, func() {
		if err := s.SetPasswordByLink(bg, refused.Token, newPassword, newPassword); !errors.Is(err, user.ErrLinkRefused) {
			t.Errorf("SetPasswordByLink: %v, want refused", err)
		}
	}); !slices.Equal(got, []string{audit.PasswordLinkRefused}) {
		t.Errorf("recorded %q, want the refusal", got)
	}
	if _, _, err := s.LinkUser(bg, refused.Token); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("the refused link afterwards: %v, want it withdrawn", err)
	}
}

// ChangeOwnPassword checks no permission: everyone may change their own. What guards it is the current
// password (its guesses throttled like sign-ins), and an actor who is a user, not the command line.
func TestChangeOwnPassword(t *testing.T) {
	h := svctest.New(t)
	s := h.Services.Users
	ctx, u, pw := member(t, h, "kim@example.com")
	for _, c := range []context.Context{context.Background(), system} {
		if err := s.ChangeOwnPassword(c, pw, newPassword, newPassword, ""); !errors.Is(err, domain.ErrUnauthenticated) {
			t.Errorf("without a user: %v, want unauthenticated", err)
		}
	}
	var fe domain.FieldErrors
	if got := recorded(t, h, func() {
		if err := s.ChangeOwnPassword(ctx, pw+"x", newPassword, newPassword, ""); !errors.As(err, &fe) || fe["current"] == "" {
			t.Errorf("a wrong current password: %v, want it refused", err)
		}
	}); len(got) != 0 {
		t.Errorf("a refused change recorded %q", got)
	}
	if got := recorded(t, h, func() {
		if err := s.ChangeOwnPassword(ctx, pw, newPassword, newPassword, ""); err != nil {
			t.Error(err)
		}
	}); !slices.Equal(got, []string{audit.PasswordChanged}) {
		t.Errorf("recorded %q, want the change", got)
	}
	signIn(t, h, u.Email, newPassword)
}

// UpdateOwnProfile checks no permission: everyone may change their own name and language. What guards it
// is that it changes only the acting user (never their e-mail address), so it needs one.
func TestUpdateOwnProfile(t *testing.T) {
	h := svctest.New(t)
	s := h.Services.Users
	ctx, u, _ := member(t, h, "kim@example.com")
	for _, c := range []context.Context{context.Background(), system} {
		if err := s.UpdateOwnProfile(c, "Kim Ny", "en"); !errors.Is(err, domain.ErrUnauthenticated) {
			t.Errorf("without a user: %v, want unauthenticated", err)
		}
	}
	if got := recorded(t, h, func() {
		if err := s.UpdateOwnProfile(ctx, "Kim Ny", "en"); err != nil {
			t.Error(err)
		}
	}); !slices.Equal(got, []string{audit.UserDetailsChanged}) {
		t.Errorf("recorded %q, want the change", got)
	}
	if got, _, _ := s.Get(system, u.ID); got.Name != "Kim Ny" || got.Language != "en" || got.Email != u.Email {
		t.Errorf("profile %s %q %s, want Kim Ny, en and the address unchanged", got.Name, got.Language, got.Email)
	}
}

// MayManage is the rule the manage methods and the password links apply after the permission check.
func TestMayManage(t *testing.T) {
	editor := authz.NewActor(domain.User{ID: 1}, perms{authz.UserEdit, authz.CustomerView})
	admin := authz.NewActor(domain.User{ID: 2, IsAdmin: true}, nil)
	for _, tc := range []struct {
		name   string
		actor  authz.Actor
		target user.Account
		perms  []authz.Permission
		want   bool
	}{
		{"an admin, anyone", admin, user.Account{ID: 3, IsAdmin: true}, perms{authz.AuditView}, true},
		{"who holds what they hold", editor, user.Account{ID: 3}, perms{authz.CustomerView}, true},
		{"who holds more", editor, user.Account{ID: 3}, perms{authz.CustomerView, authz.CustomerEdit}, false},
		{"an admin, as a non-admin", editor, user.Account{ID: 3, IsAdmin: true}, nil, false},
		{"oneself", editor, user.Account{ID: 1}, nil, false},
		{"without user.edit", authz.NewActor(domain.User{ID: 1}, perms{authz.UserView}), user.Account{ID: 3}, nil, false},
	} {
		if got := user.MayManage(tc.actor, tc.target, tc.perms); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// New, Link.Path, RedactLinks and AbsoluteLinks are functions of their arguments, with no data to guard.
func TestNewAndLinks(t *testing.T) {
	s := user.New(nil, time.Now, nil)
	if len(s.Secret) != 32 || s.Throttle != user.DefaultThrottle || s.SessionIdle == 0 || s.SessionLifetime <= s.SessionIdle {
		t.Errorf("New gave secret of %d bytes, throttle %+v, sessions %v/%v", len(s.Secret), s.Throttle, s.SessionIdle, s.SessionLifetime)
	}
	if p := (user.Link{Token: "ABC234"}).Path(); p != "/password/ABC234" {
		t.Errorf("Path = %q", p)
	}
	if got := user.RedactLinks("Öppna /password/ABC234 i dag."); got != "Öppna /password/… i dag." {
		t.Errorf("RedactLinks = %q", got)
	}
	if got := user.AbsoluteLinks("Öppna\n/password/ABC234\nnu: /password/X", "https://affar.example"); got != "Öppna\nhttps://affar.example/password/ABC234\nnu: /password/X" {
		t.Errorf("AbsoluteLinks = %q", got)
	}
}
