package user

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/password"
	"github.com/affar/affar/internal/postgres"
)

// Link lifetimes: an invitation waits for a new colleague's first day, a reset is for someone locked out now.
const (
	InviteValid = 72 * time.Hour
	ResetValid  = 24 * time.Hour
)

// Link purposes, stored with each token.
const (
	PurposeInvite = "invite"
	PurposeReset  = "reset"
)

// Mailer queues e-mail in the transaction that sends it (mail.Outbox).
type Mailer interface {
	Enqueue(ctx context.Context, tx pgx.Tx, m domain.Mail) (int64, error)
}

// Details are a user's name, e-mail address and interface language as typed.
type Details struct {
	Name     string
	Email    string
	Language string
}

func (d Details) clean() (Details, domain.FieldErrors) {
	fe := domain.FieldErrors{}
	email, err := domain.NormalizeEmail(d.Email)
	if err != nil {
		fe["email"] = "error.email"
	}
	name := strings.TrimSpace(d.Name)
	switch {
	case name == "":
		fe["name"] = "error.required"
	case !domain.ValidText(name, false) || len(name) > 200:
		fe["name"] = "error.text"
	}
	if d.Language != "" && !domain.ValidLanguage(d.Language) {
		fe["language"] = "error.language"
	}
	return Details{Name: name, Email: email, Language: d.Language}, fe
}

// Link is a one-time link for setting a password: the token goes in the URL, only its digest is stored.
type Link struct {
	Token   string
	Expires time.Time
}

// Path is where the link leads.
func (l Link) Path() string { return domain.PasswordLinkPath + l.Token }

var (
	linkRE     = regexp.MustCompile(domain.PasswordLinkPath + domain.PasswordToken)
	bareLinkRE = regexp.MustCompile(`(?m)^` + domain.PasswordLinkPath)
)

// RedactLinks cuts the tokens out of the links in a message (as the outbox does once they are used).
func RedactLinks(body string) string { return linkRE.ReplaceAllString(body, domain.RedactedLink) }

// AbsoluteLinks puts origin in front of the links of a message written without a base URL.
func AbsoluteLinks(body, origin string) string {
	return bareLinkRE.ReplaceAllString(body, origin+domain.PasswordLinkPath)
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Invite creates a user without a password and returns the link with which they choose one; the link is
// also e-mailed to them. Nobody else ever sets the password. Inviting an admin is for admins only.
func (s *Service) Invite(ctx context.Context, in Details, admin bool, origin string) (domain.UserID, Link, error) {
	actor, err := authz.RequireAll(ctx, authz.UserView, authz.UserEdit)
	if err != nil {
		return 0, Link{}, err
	}
	if admin {
		if actor, err = authz.RequireAdmin(ctx); err != nil {
			return 0, Link{}, err
		}
	}
	d, fe := in.clean()
	if len(fe) > 0 {
		return 0, Link{}, fe
	}
	var id domain.UserID
	var link Link
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if admin { // serialised with publishing the agreement, which is sent to every admin
			if err := postgres.LockAdmins(ctx, tx); err != nil {
				return err
			}
		}
		id, err = postgres.CreateUser(ctx, tx, domain.User{Email: d.Email, Name: d.Name, IsAdmin: admin, Language: d.Language})
		if errors.Is(err, domain.ErrConflict) {
			return domain.FieldErrors{"email": "users.email_taken"}
		}
		if err != nil {
			return err
		}
		if link, err = s.issue(ctx, tx, id, d, PurposeInvite, origin); err != nil {
			return err
		}
		if admin {
			if err := s.newAdmin(ctx, tx, domain.User{ID: id, Email: d.Email, Name: d.Name, Language: d.Language}); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Event(s.Now(), actor, audit.UserInvited, "user", audit.ID(id),
			map[string]any{"is_admin": admin, "expires_at": link.Expires.UTC().Format(time.RFC3339)}))
	})
	return id, link, err
}

// issue stores a new link for the user and e-mails it in their language.
func (s *Service) issue(ctx context.Context, tx pgx.Tx, id domain.UserID, d Details, purpose, origin string) (Link, error) {
	valid := InviteValid
	if purpose == PurposeReset {
		valid = ResetValid
	}
	now := s.Now()
	link := Link{Token: rand.Text(), Expires: now.Add(valid)}
	if err := postgres.IssueUserToken(ctx, tx, tokenHash(link.Token), id, purpose, now, link.Expires); err != nil {
		return Link{}, err
	}
	if err := postgres.RedactLinks(ctx, tx, d.Email); err != nil { // the older links no longer work
		return Link{}, err
	}
	if s.Mail == nil {
		return link, nil
	}
	mctx := i18n.WithLang(ctx, cmp.Or(d.Language, i18n.Default)) // the recipient's language
	expires := link.Expires.In(domain.Stockholm).Format("2006-01-02 15:04")
	_, err := s.Mail.Enqueue(ctx, tx, domain.Mail{To: d.Email, Subject: i18n.T(mctx, "mail."+purpose+".subject"),
		Body: i18n.Tf(mctx, "mail."+purpose+".body", d.Name, origin+link.Path(), expires)})
	return link, err
}

// MayManage reports whether actor may change target's details, status or password: admins may; holders
// of "edit users' details" may for non-admins who hold nothing they lack (a reset link hands over the
// account, so managing must not gain anyone a permission).
func MayManage(actor authz.Actor, target domain.User, perms []authz.Permission) bool {
	if actor.IsAdmin {
		return true
	}
	// Their own e-mail address included: it is how an account is recovered (the profile page leaves it out).
	if !actor.Can(authz.UserEdit) || target.IsAdmin || target.ID == actor.UserID {
		return false
	}
	for _, p := range perms {
		if !actor.Can(p) {
			return false
		}
	}
	return true
}

// manage runs fn on a user the actor may manage, in one transaction, with the user row loaded. Changes
// that may remove an admin take the admins lock first, so the row they read is current.
func (s *Service) manage(ctx context.Context, id domain.UserID, lockAdmins bool, fn func(tx pgx.Tx, actor authz.Actor, u domain.User) error) error {
	actor, err := authz.RequireAll(ctx, authz.UserView, authz.UserEdit)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if lockAdmins {
			if err := postgres.LockAdmins(ctx, tx); err != nil {
				return err
			}
		}
		u, perms, err := postgres.UserWithPermissions(ctx, tx, id)
		if err != nil {
			return err
		}
		if !MayManage(actor, u, toPermissions(perms)) {
			return &domain.ConflictError{Key: "users.needs_admin"}
		}
		return fn(tx, actor, u)
	})
}

// UpdateDetails changes a user's name, e-mail address and language.
func (s *Service) UpdateDetails(ctx context.Context, id domain.UserID, in Details) error {
	d, fe := in.clean()
	if len(fe) > 0 {
		return fe
	}
	return s.manage(ctx, id, false, func(tx pgx.Tx, actor authz.Actor, _ domain.User) error {
		changed, err := postgres.UpdateUserDetails(ctx, tx, id, d.Name, d.Email, d.Language)
		if errors.Is(err, domain.ErrConflict) {
			return domain.FieldErrors{"email": "users.email_taken"}
		}
		if err != nil || len(changed) == 0 {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(s.Now(), actor, audit.UserDetailsChanged, "user", audit.ID(id),
			map[string]any{"fields": changed}))
	})
}

// IssueLink makes a new invitation (for a user who never set a password) or password-reset link, e-mails
// it and returns it with the user it is for. A reset does not end the user's sessions: their password still works until the link
// is used.
func (s *Service) IssueLink(ctx context.Context, id domain.UserID, origin string) (Link, domain.User, error) {
	var link Link
	var user domain.User
	err := s.manage(ctx, id, false, func(tx pgx.Tx, actor authz.Actor, u domain.User) error {
		user = u
		if !u.Active {
			return &domain.ConflictError{Key: "users.inactive_no_link"}
		}
		purpose := PurposeReset
		if u.PasswordHash == "" {
			purpose = PurposeInvite
		}
		var err error
		link, err = s.issue(ctx, tx, id, Details{Name: u.Name, Email: u.Email, Language: u.Language}, purpose, origin)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(s.Now(), actor, audit.PasswordLinkIssued, "user", audit.ID(id),
			map[string]any{"purpose": purpose, "expires_at": link.Expires.UTC().Format(time.RFC3339)}))
	})
	return link, user, err
}

// SetActive activates or deactivates a user; deactivation ends every session of the user at once. The
// last active admin cannot be deactivated, also when two requests try at the same moment.
func (s *Service) SetActive(ctx context.Context, id domain.UserID, active bool) error {
	if actor, ok := authz.ActorFrom(ctx); ok && actor.UserID == id && !active {
		return &domain.ConflictError{Key: "users.cannot_deactivate_self"}
	}
	return s.manage(ctx, id, true, func(tx pgx.Tx, actor authz.Actor, u domain.User) error {
		if u.Active == active {
			return nil
		}
		action := audit.UserActivated
		if !active {
			action = audit.UserDeactivated
			if u.IsAdmin {
				if err := keepAnAdmin(ctx, tx); err != nil {
					return err
				}
			}
			if _, err := postgres.EndUserSessions(ctx, tx, id); err != nil {
				return err
			}
		}
		if err := postgres.SetUserActive(ctx, tx, id, active); err != nil {
			return err
		}
		if active && u.IsAdmin {
			if err := s.newAdmin(ctx, tx, u); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Event(s.Now(), actor, action, "user", audit.ID(id), nil))
	})
}

func (s *Service) newAdmin(ctx context.Context, tx pgx.Tx, u domain.User) error {
	if s.NewAdmin == nil {
		return nil
	}
	return s.NewAdmin(ctx, tx, u)
}

// keepAnAdmin refuses a change that would leave no active admin. It is called before the change, under the
// admins lock (taken before the user was read), so the count includes the admin about to go.
func keepAnAdmin(ctx context.Context, tx pgx.Tx) error {
	n, err := postgres.CountAdmins(ctx, tx)
	if err != nil {
		return err
	}
	if n <= 1 {
		return &domain.ConflictError{Key: "users.last_admin"}
	}
	return nil
}

// SetAdmin makes a user an admin or takes that away (admins only). The last active admin stays one.
func (s *Service) SetAdmin(ctx context.Context, id domain.UserID, admin bool) error {
	actor, err := authz.RequireAdmin(ctx)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if err := postgres.LockAdmins(ctx, tx); err != nil {
			return err
		}
		u, _, err := postgres.UserWithPermissions(ctx, tx, id)
		if err != nil || u.IsAdmin == admin {
			return err
		}
		action := audit.AdminGranted
		if !admin {
			action = audit.AdminRevoked
			if u.Active {
				if err := keepAnAdmin(ctx, tx); err != nil {
					return err
				}
			}
		}
		if err := postgres.SetUserAdmin(ctx, tx, id, admin); err != nil {
			return err
		}
		if admin && u.Active {
			if err := s.newAdmin(ctx, tx, u); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Event(s.Now(), actor, action, "user", audit.ID(id), nil))
	})
}

// LinkUser returns the user a password link is for, while it is valid.
func (s *Service) LinkUser(ctx context.Context, token string) (domain.User, string, error) {
	u, purpose, err := postgres.UserToken(ctx, s.DB.Pool, tokenHash(token), s.Now(), false)
	return u, purpose, err
}

// SetPasswordByLink sets the password of the link's user, uses up the link and ends the user's sessions.
func (s *Service) SetPasswordByLink(ctx context.Context, token, plain, repeat string) error {
	// The link is checked before the costly hash, so requests with made-up tokens cost next to nothing.
	if _, _, err := postgres.UserToken(ctx, s.DB.Pool, tokenHash(token), s.Now(), false); err != nil {
		return err
	}
	if fe := checkNew(plain, repeat); fe != nil {
		return fe
	}
	hash, err := password.Hash(ctx, plain)
	if err != nil {
		return err
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		u, purpose, err := postgres.UserToken(ctx, tx, tokenHash(token), now, true)
		if err != nil {
			return err
		}
		if err := postgres.SetPassword(ctx, tx, u.ID, hash); err != nil {
			return err
		}
		if err := postgres.UseUserToken(ctx, tx, u.ID, now); err != nil {
			return err
		}
		if err := postgres.RedactLinks(ctx, tx, u.Email); err != nil {
			return err
		}
		if _, err := postgres.EndUserSessions(ctx, tx, u.ID); err != nil {
			return err
		}
		// The user acts for themselves here, without a session.
		return audit.Record(ctx, tx, audit.Event(now, authz.NewActor(u, nil), audit.PasswordSet, "user", audit.ID(u.ID),
			map[string]any{"purpose": purpose}))
	})
}

func checkNew(plain, repeat string) domain.FieldErrors {
	switch {
	case len([]rune(plain)) < MinPasswordLen:
		return domain.FieldErrors{"password": "error.password_short"}
	case plain != repeat:
		return domain.FieldErrors{"repeat": "error.password_mismatch"}
	}
	return nil
}

// ChangeOwnPassword changes the acting user's password after checking the current one, and ends their
// other sessions (keep is the session in use).
func (s *Service) ChangeOwnPassword(ctx context.Context, current, plain, repeat, keep string) error {
	a, ok := authz.ActorFrom(ctx)
	if !ok || a.IsSystem() {
		return fmt.Errorf("change password: %w", domain.ErrUnauthenticated)
	}
	u, _, err := postgres.UserWithPermissions(ctx, s.DB.Pool, a.UserID)
	if err != nil {
		return err
	}
	if fe := checkNew(plain, repeat); fe != nil {
		return fe
	}
	// Guesses of the current password count against the account as failed sign-ins do, so a session
	// left open cannot be used to find the password.
	acctKey := s.throttleKey("account", u.Email)
	var until time.Time
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		until, _, err = postgres.ThrottleAttempt(ctx, tx, []postgres.ThrottleKey{{Key: acctKey, Limit: s.Throttle.MaxPerAccount}},
			s.Now(), s.Throttle.Window, s.Throttle.LockFor)
		return err
	})
	if err != nil {
		return err
	}
	if !until.IsZero() {
		return &ThrottledError{Until: until}
	}
	if ok, err := password.Verify(ctx, u.PasswordHash, current); err != nil && !errors.Is(err, password.ErrMalformed) {
		return err
	} else if !ok {
		return domain.FieldErrors{"current": "error.password_wrong"}
	}
	hash, err := password.Hash(ctx, plain)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if err := postgres.ForgiveAttempt(ctx, tx, acctKey, nil); err != nil {
			return err
		}
		if err := postgres.SetPassword(ctx, tx, a.UserID, hash); err != nil {
			return err
		}
		if err := postgres.EndOtherSessions(ctx, tx, a.UserID, keep); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(s.Now(), a, audit.PasswordChanged, "user", audit.ID(a.UserID), nil))
	})
}

// UpdateOwnProfile changes the acting user's own name and language (the e-mail address is an admin's
// matter: it is how an account is recovered).
func (s *Service) UpdateOwnProfile(ctx context.Context, name, lang string) error {
	a, ok := authz.ActorFrom(ctx)
	if !ok || a.IsSystem() {
		return fmt.Errorf("update profile: %w", domain.ErrUnauthenticated)
	}
	d, fe := Details{Name: name, Email: a.Email, Language: lang}.clean()
	if len(fe) > 0 {
		return fe
	}
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		changed, err := postgres.UpdateUserDetails(ctx, tx, a.UserID, d.Name, d.Email, d.Language)
		if err != nil || len(changed) == 0 {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(s.Now(), a, audit.UserDetailsChanged, "user", audit.ID(a.UserID),
			map[string]any{"fields": changed}))
	})
}

// Holders maps each permission to the active non-admin users who hold it; admins hold all.
func (s *Service) Holders(ctx context.Context) (map[authz.Permission][]domain.User, []domain.User, error) {
	if _, err := authz.Require(ctx, authz.UserView); err != nil {
		return nil, nil, err
	}
	byPerm, err := postgres.PermissionHolders(ctx, s.DB.Pool)
	if err != nil {
		return nil, nil, err
	}
	admins, err := postgres.ActiveAdmins(ctx, s.DB.Pool)
	if err != nil {
		return nil, nil, err
	}
	out := make(map[authz.Permission][]domain.User, len(byPerm))
	for p, us := range byPerm {
		out[authz.Permission(p)] = us
	}
	return out, admins, nil
}
