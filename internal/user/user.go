// Package user is the service for system users: sign-in with throttling, the acting user of each request,
// creation, language and permissions.
package user

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/password"
	"github.com/affar/affar/internal/postgres"
)

// Throttle limits failed sign-ins: MaxPerAccount failures for one e-mail address, or MaxPerClient from one
// client address, within Window lock that key out for LockFor.
type Throttle struct {
	Window        time.Duration
	LockFor       time.Duration
	MaxPerAccount int
	MaxPerClient  int
}

// DefaultThrottle is what a small office needs: a typo-prone user is not locked out, a guesser is.
var DefaultThrottle = Throttle{Window: 15 * time.Minute, LockFor: 15 * time.Minute, MaxPerAccount: 5, MaxPerClient: 20}

// Service is the user service.
type Service struct {
	DB       *postgres.DB
	Now      func() time.Time
	Throttle Throttle
	// SessionIdle ends a session unused for this long; SessionLifetime ends any session this long after
	// sign-in.
	SessionIdle     time.Duration
	SessionLifetime time.Duration
	// Secret keys the HMAC of throttle keys (e-mail addresses and client addresses), so the table holds
	// nothing that can be reversed. Servers sharing a database should share it (AFFAR_SECRET).
	Secret []byte
	// Mail sends invitation and reset links; nil sends none (the link is still shown to an admin).
	Mail Mailer
	// NewAdmin, if set, runs in the transaction that makes someone an active admin (it sends them the data
	// processing agreement).
	NewAdmin func(ctx context.Context, tx pgx.Tx, u domain.User) error

	dummyOnce sync.Once
	dummyHash string
}

// New returns a service with the default throttle. A nil secret gets a random one for this process.
func New(db *postgres.DB, now func() time.Time, secret []byte) *Service {
	if len(secret) == 0 {
		secret = make([]byte, 32)
		_, _ = rand.Read(secret)
	}
	s := &Service{DB: db, Now: now, Throttle: DefaultThrottle, Secret: secret, SessionIdle: 30 * time.Minute,
		SessionLifetime: 8 * time.Hour}
	go s.dummy(context.Background()) // ready before the first unknown account tries, so it costs no extra
	return s
}

// ThrottledError says until when sign-in is refused.
type ThrottledError struct{ Until time.Time }

func (e *ThrottledError) Error() string { return "too many failed sign-ins" }
func (e *ThrottledError) Unwrap() error { return domain.ErrThrottled }

func (s *Service) throttleKey(kind, value string) []byte {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte(kind + ":" + value))
	return m.Sum(nil)
}

// Credentials are a sign-in as posted: the e-mail address and password typed, the client address it came
// from and the browser's device cookie (DeviceCookie), if it has one.
type Credentials struct {
	Email, Password string
	Client          string
	Devices         string
}

// Session is a successful sign-in: the user, the new session's id, and the device cookie to give the
// browser (it now names this account too).
type Session struct {
	User    domain.User
	ID      string
	Devices string
}

// SignIn checks the credentials and starts a session. Unknown account, wrong password and inactive user
// give the same domain.ErrBadCredentials after the same work (a hash is always verified), so neither the
// answer nor its timing tells whether an account exists. The attempt is counted before the password is
// checked, so parallel guesses are throttled too: from a browser that signed in to the account before, on
// that browser's own counter; from anywhere else, on the account's counter for unknown browsers and the
// client address's. So strangers' failures lock out strangers, not the account's owner.
func (s *Service) SignIn(ctx context.Context, c Credentials) (Session, error) {
	now := s.Now()
	normalized := strings.ToLower(strings.TrimSpace(c.Email))
	device := s.knownDevice(c.Devices, normalized)
	counters := s.countersFor(normalized, device, c.Client)
	if err := s.countAttempt(ctx, counters, now); err != nil {
		return Session{}, err
	}
	u, found, ok, err := s.verify(ctx, normalized, c.Password)
	if err != nil {
		return Session{}, err
	}
	if ok && found && u.Active {
		sid, err := s.startSession(ctx, u, counters, now)
		if err != nil {
			return Session{}, err
		}
		return Session{User: u, ID: sid, Devices: s.rememberDevice(c.Devices, normalized, device)}, nil
	}
	return Session{}, errors.Join(domain.ErrBadCredentials, s.recordSignInFailure(ctx, u, found, now))
}

// signInCounters are the throttle counters a sign-in is counted on: forgive is the one a success clears;
// client, if any, is decreased by one.
type signInCounters struct {
	keys            []postgres.ThrottleKey
	forgive, client []byte
}

func (s *Service) countersFor(email, device, client string) signInCounters {
	if device != "" {
		// Each token has its own counter, and anyone who once knew the password can collect tokens: all of
		// an account's known browsers together get knownDevices times one browser's allowance.
		c := signInCounters{forgive: s.throttleKey("device", email+"\x00"+device), client: s.throttleKey("devices", email)}
		c.keys = []postgres.ThrottleKey{{Key: c.forgive, Limit: s.Throttle.MaxPerAccount},
			{Key: c.client, Limit: knownDevices * s.Throttle.MaxPerAccount}}
		return c
	}
	c := signInCounters{forgive: s.throttleKey("account", email), client: s.throttleKey("client", client)}
	c.keys = []postgres.ThrottleKey{{Key: c.forgive, Limit: s.Throttle.MaxPerAccount}, {Key: c.client, Limit: s.Throttle.MaxPerClient}}
	return c
}

// countAttempt counts a sign-in on its counters, a *ThrottledError while they are locked.
func (s *Service) countAttempt(ctx context.Context, c signInCounters, now time.Time) error {
	var until time.Time
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		var lockedNow bool
		var err error
		until, lockedNow, err = postgres.ThrottleAttempt(ctx, tx, c.keys, now, s.Throttle.Window, s.Throttle.LockFor)
		if err != nil || !lockedNow {
			return err
		}
		// The lock-out is recorded once, when it starts; refusals during it are not, so nobody can flood
		// the append-only log.
		return audit.Record(ctx, tx, audit.Event(now, authz.Actor{}, audit.SignInFailed, "user", nil,
			map[string]any{"reason": "locked_out"}))
	})
	if err != nil {
		return err
	}
	if !until.IsZero() {
		return &ThrottledError{Until: until}
	}
	return nil
}

// verify looks the account up and checks pw, against a dummy hash when there is no account (found false).
func (s *Service) verify(ctx context.Context, email, pw string) (u domain.User, found, ok bool, err error) {
	lookupErr := error(domain.ErrNotFound)
	if domain.ValidText(email, false) { // no stored address holds anything else
		u, lookupErr = postgres.UserByEmail(ctx, s.DB.Pool, email)
	}
	if lookupErr != nil && !errors.Is(lookupErr, domain.ErrNotFound) {
		return u, false, false, lookupErr
	}
	hash := u.PasswordHash
	if lookupErr != nil {
		hash = s.dummy(ctx)
	}
	ok, err = password.Verify(ctx, hash, pw)
	if err != nil && !errors.Is(err, password.ErrMalformed) {
		return u, false, false, err
	}
	return u, lookupErr == nil, ok, nil
}

// startSession clears the sign-in's counter and starts the session of u, returning its id.
func (s *Service) startSession(ctx context.Context, u domain.User, c signInCounters, now time.Time) (string, error) {
	sid := rand.Text()
	return sid, s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if err := postgres.ForgiveAttempt(ctx, tx, c.forgive, c.client); err != nil {
			return err
		}
		if err := postgres.TouchLastLogin(ctx, tx, u.ID, now); err != nil {
			return err
		}
		if err := postgres.StartSession(ctx, tx, sid, u.ID, now); err != nil {
			return err
		}
		actor := authz.NewActor(u, nil)
		events := []domain.AuditEvent{audit.Event(now, actor, audit.SignIn, "user", audit.ID(u.ID), nil)}
		// Signing in after a version of the data processing agreement was sent is its acceptance by
		// continued use.
		accepted, err := postgres.AcceptAgreements(ctx, tx, u.ID, now)
		if err != nil {
			return err
		}
		for _, v := range accepted {
			events = append(events, audit.Event(now, actor, audit.AgreementAccepted, "agreement", &v,
				map[string]any{"how": "continued_use"}))
		}
		return audit.Record(ctx, tx, events...)
	})
}

// recordSignInFailure records a failed sign-in, naming the account only when it exists.
func (s *Service) recordSignInFailure(ctx context.Context, u domain.User, found bool, now time.Time) error {
	var entity *int64
	reason := "unknown_account"
	switch {
	case found && !u.Active:
		entity, reason = audit.ID(u.ID), "inactive"
	case found:
		entity, reason = audit.ID(u.ID), "wrong_password"
	}
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, audit.Event(now, authz.Actor{}, audit.SignInFailed, "user", entity,
			map[string]any{"reason": reason}))
	})
}

// dummy is a real hash of a random password, verified for unknown accounts so they cost the same time.
func (s *Service) dummy(ctx context.Context) string {
	s.dummyOnce.Do(func() {
		s.dummyHash, _ = password.Hash(context.WithoutCancel(ctx), password.Random(24))
	})
	return s.dummyHash
}

// SignedOut ends the session sessionID of the actor in ctx and records the sign-out.
func (s *Service) SignedOut(ctx context.Context, sessionID string) error {
	a, ok := authz.ActorFrom(ctx)
	if !ok {
		return nil
	}
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if err := postgres.EndSession(ctx, tx, sessionID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(s.Now(), a, audit.SignOut, "user", audit.ID(a.UserID), nil))
	})
}

// Actor loads the user of a session and their permissions, fresh from the database on every request (read
// with the session by the session store, WithSessionRead, or else on its own). A session that was ended, or whose user was deactivated, gets domain.ErrUnauthenticated.
func (s *Service) Actor(ctx context.Context, sessionID string) (authz.Actor, error) {
	now := s.Now()
	signed, read := postgres.ReadSessionUser(ctx, sessionID)
	if !read {
		var err error
		if signed, err = postgres.SessionUser(ctx, s.DB.Pool, sessionID); err != nil {
			return authz.Actor{}, err
		}
	}
	if !signed.Found || !signed.User.Active || !signed.LastSeen.After(now.Add(-s.SessionIdle)) ||
		!signed.Started.After(now.Add(-s.SessionLifetime)) {
		return authz.Actor{}, fmt.Errorf("session: %w", domain.ErrUnauthenticated)
	}
	// Refreshing the idle clock at most once a minute keeps requests from writing on every page view.
	if now.Sub(signed.LastSeen) > time.Minute {
		if err := postgres.TouchSession(ctx, s.DB.Pool, sessionID, now); err != nil {
			return authz.Actor{}, err
		}
	}
	a := authz.NewActor(signed.User, toPermissions(signed.Perms))
	a.PendingAgreement = signed.Agreement
	return a, nil
}

// WithSessionRead prepares a request's context so that finding its session reads the session's user too
// (postgres.SessionStore), and Actor needs no statement of its own.
func WithSessionRead(ctx context.Context) context.Context { return postgres.WithSessionRead(ctx) }

// RecordDenied records a refused request compactly (audit.RecordDenial); route is the pattern, never the URL.
func (s *Service) RecordDenied(ctx context.Context, route string, perm string) error {
	a, _ := authz.ActorFrom(ctx)
	return audit.RecordDenial(ctx, s.DB, s.Now(), a, route, perm)
}

// SetLanguage stores the interface language of the acting user.
func (s *Service) SetLanguage(ctx context.Context, lang string) error {
	a, ok := authz.ActorFrom(ctx)
	if !ok || a.IsSystem() {
		return fmt.Errorf("set language: %w", domain.ErrUnauthenticated)
	}
	if !domain.ValidLanguage(lang) {
		return domain.FieldErrors{"language": "error.language"}
	}
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if err := postgres.SetUserLanguage(ctx, tx, a.UserID, lang); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(s.Now(), a, audit.LanguageChanged, "user", audit.ID(a.UserID),
			map[string]any{"fields": []string{"language"}}))
	})
}

// NewUser is the input for Create.
type NewUser struct {
	Email    string
	Name     string
	Password string
	IsAdmin  bool
	Language string
}

// Create adds a user. Only admins (or the command-line system actor) create users.
func (s *Service) Create(ctx context.Context, in NewUser) (domain.UserID, error) {
	actor, err := authz.RequireAdmin(ctx)
	if err != nil {
		return 0, err
	}
	d, fe := Details{Name: in.Name, Email: in.Email, Language: in.Language}.clean()
	if key := password.Check(in.Password); key != "" {
		fe["password"] = key
	}
	if len(fe) > 0 {
		return 0, fe
	}
	hash, err := password.Hash(ctx, in.Password)
	if err != nil {
		return 0, err
	}
	var id domain.UserID
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if err := claim(ctx, tx, 0, d, true, true); err != nil {
			return err
		}
		id, err = postgres.CreateUser(ctx, tx, domain.User{Email: d.Email, Name: d.Name, PasswordHash: hash,
			IsAdmin: in.IsAdmin, Language: in.Language})
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(s.Now(), actor, audit.UserCreated, "user", audit.ID(id),
			map[string]any{"is_admin": in.IsAdmin}))
	})
	return id, err
}

// ResetPassword sets a user's password (admins and the command line only) and ends their sessions.
func (s *Service) ResetPassword(ctx context.Context, id domain.UserID, plain string) error {
	actor, err := authz.RequireAdmin(ctx)
	if err != nil {
		return err
	}
	if key := password.Check(plain); key != "" {
		return domain.FieldErrors{"password": key}
	}
	hash, err := password.Hash(ctx, plain)
	if err != nil {
		return err
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		u, _, err := postgres.UserWithPermissions(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := postgres.SetPassword(ctx, tx, id, hash); err != nil {
			return err
		}
		if _, err := postgres.EndUserSessions(ctx, tx, id); err != nil {
			return err
		}
		// A reset is how an account is taken back: a link made before it must not hand the account out again.
		details, err := withdrawLinks(ctx, tx, u, now, nil)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, audit.PasswordReset, "user", audit.ID(id), details))
	})
}

// HasAdmin reports whether an active admin exists (first start creates one otherwise).
func (s *Service) HasAdmin(ctx context.Context) (bool, error) {
	n, err := postgres.CountAdmins(ctx, s.DB.Pool)
	return n > 0, err
}

// PermissionChange is what a SetPermissions call changed, each list in catalogue order.
type PermissionChange struct {
	Granted, Revoked []authz.Permission
}

// SetPermissions grants and revokes permissions of a user; only admins may.
func (s *Service) SetPermissions(ctx context.Context, id domain.UserID, grant, revoke []authz.Permission) error {
	_, err := s.ChangePermissions(ctx, id, grant, revoke)
	return err
}

// ChangePermissions is SetPermissions, returning what actually changed (a permission granted that was
// held already is not a change).
func (s *Service) ChangePermissions(ctx context.Context, id domain.UserID, grant, revoke []authz.Permission) (PermissionChange, error) {
	actor, err := authz.RequireAdmin(ctx)
	if err != nil {
		return PermissionChange{}, err
	}
	g, err := knownNames(grant)
	if err != nil {
		return PermissionChange{}, err
	}
	r, err := knownNames(revoke)
	if err != nil {
		return PermissionChange{}, err
	}
	var added, removed []string
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		u, _, err := postgres.UserWithPermissions(ctx, tx, id)
		if err != nil {
			return err // a user that does not exist is not found, not a conflict
		}
		if added, err = postgres.GrantPermissions(ctx, tx, id, g); err != nil {
			return err
		}
		if removed, err = postgres.RevokePermissions(ctx, tx, id, r); err != nil {
			return err
		}
		if len(added)+len(removed) == 0 {
			return nil
		}
		slices.Sort(added)
		slices.Sort(removed)
		details, err := withdrawLinks(ctx, tx, u, s.Now(), map[string]any{"granted": added, "revoked": removed})
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(s.Now(), actor, audit.PermissionsSet, "user", audit.ID(id), details))
	})
	if err != nil {
		return PermissionChange{}, err
	}
	return PermissionChange{Granted: inCatalogueOrder(added), Revoked: inCatalogueOrder(removed)}, nil
}

// knownNames is ps as stored, refusing a permission the catalogue does not know.
func knownNames(ps []authz.Permission) ([]string, error) {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		if !authz.Known(p) {
			return nil, domain.FieldErrors{"permission": "error.permission_unknown"}
		}
		out = append(out, string(p))
	}
	return out, nil
}

// inCatalogueOrder is the named permissions in the order the permission form shows them.
func inCatalogueOrder(names []string) []authz.Permission {
	var out []authz.Permission
	for _, p := range authz.All() {
		if slices.Contains(names, string(p)) {
			out = append(out, p)
		}
	}
	return out
}

// IDByEmail finds a user id for command-line administration.
func (s *Service) IDByEmail(ctx context.Context, email string) (domain.UserID, error) {
	if _, err := authz.RequireAdmin(ctx); err != nil {
		return 0, err
	}
	u, err := postgres.UserByEmail(ctx, s.DB.Pool, strings.ToLower(strings.TrimSpace(email)))
	return u.ID, err
}

// List returns every user for those allowed to view users.
func (s *Service) List(ctx context.Context, search string) ([]domain.UserSummary, error) {
	if _, err := authz.Require(ctx, authz.UserView); err != nil {
		return nil, err
	}
	return postgres.ListUsers(ctx, s.DB.Pool, search)
}

// Get returns one user, without the password hash, and the permissions stored for them.
func (s *Service) Get(ctx context.Context, id domain.UserID) (Account, []authz.Permission, error) {
	if _, err := authz.Require(ctx, authz.UserView); err != nil {
		return Account{}, nil, err
	}
	u, perms, until, err := postgres.UserAccount(ctx, s.DB.Pool, id)
	if err != nil {
		return Account{}, nil, err
	}
	return AccountOf(u, until), toPermissions(perms), nil
}

func toPermissions(names []string) []authz.Permission {
	ps := make([]authz.Permission, len(names))
	for i, p := range names {
		ps[i] = authz.Permission(p)
	}
	return ps
}
