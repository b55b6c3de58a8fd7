package user

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
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

// claim refuses d's name (when checkName) and address (when checkEmail) if another user than id has them,
// names compared by domain.NameKey. It takes the lock that serialises such changes, so the check still
// holds when the row is written, and the unique index on addresses never refuses one in normal use (its
// error would put the address into PostgreSQL's log).
func claim(ctx context.Context, tx pgx.Tx, id domain.UserID, d Details, checkName, checkEmail bool) error {
	if !checkName && !checkEmail {
		return nil
	}
	if err := postgres.LockUserIdentities(ctx, tx); err != nil {
		return err
	}
	names, emailTaken, err := postgres.IdentityClash(ctx, tx, id, d.Email)
	if err != nil {
		return err
	}
	fe := domain.FieldErrors{}
	if checkName && slices.ContainsFunc(names, func(n string) bool { return domain.NameKey(n) == domain.NameKey(d.Name) }) {
		fe["name"] = "users.name_taken"
	}
	if checkEmail && emailTaken {
		fe["email"] = "users.email_taken"
	}
	if len(fe) > 0 {
		return fe
	}
	return nil
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
		if err := claim(ctx, tx, 0, d, true, true); err != nil {
			return err
		}
		id, err = postgres.CreateUser(ctx, tx, domain.User{Email: d.Email, Name: d.Name, IsAdmin: admin, Language: d.Language})
		if err != nil {
			return err
		}
		if link, err = s.issue(ctx, tx, actor, id, d, PurposeInvite, origin); err != nil {
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

// issue stores a new link for the user, made by actor, and e-mails it in their language.
func (s *Service) issue(ctx context.Context, tx pgx.Tx, actor authz.Actor, id domain.UserID, d Details, purpose, origin string) (Link, error) {
	valid := InviteValid
	if purpose == PurposeReset {
		valid = ResetValid
	}
	now := s.Now()
	link := Link{Token: rand.Text(), Expires: now.Add(valid)}
	if err := postgres.IssueUserToken(ctx, tx, tokenHash(link.Token), id, purpose, actor.AuditID(), now, link.Expires); err != nil {
		return Link{}, err
	}
	if err := postgres.RedactLinks(ctx, tx, d.Email); err != nil { // the older links no longer work
		return Link{}, err
	}
	if s.Mail == nil {
		return link, nil
	}
	mctx := i18n.WithLang(ctx, cmp.Or(d.Language, i18n.Default)) // the recipient's language
	expires := link.Expires.In(domain.Stockholm).Format(domain.MinuteLayout)
	_, err := s.Mail.Enqueue(ctx, tx, domain.Mail{To: d.Email, Subject: i18n.T(mctx, "mail."+purpose+".subject"),
		Body: i18n.Tf(mctx, "mail."+purpose+".body", d.Name, origin+link.Path(), expires)})
	return link, err
}

// MayManage reports whether actor may change target's details, status or password: admins may; holders
// of "edit users' details" may for non-admins who hold nothing they lack (a reset link hands over the
// account, so managing must not gain anyone a permission).
func MayManage(actor authz.Actor, target Account, perms []authz.Permission) bool {
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
		if !MayManage(actor, AccountOf(u, nil), toPermissions(perms)) {
			return &domain.ConflictError{Key: "users.needs_admin"}
		}
		if u.ErasedAt != nil { // nothing brings an erased user back: no reactivation, link or new name
			return &domain.ConflictError{Key: "users.erased"}
		}
		return fn(tx, actor, u)
	})
}

// UpdateDetails changes a user's name, e-mail address and language. A new address withdraws the user's
// open links and is told to the old one.
func (s *Service) UpdateDetails(ctx context.Context, id domain.UserID, in Details) error {
	d, fe := in.clean()
	if len(fe) > 0 {
		return fe
	}
	return s.manage(ctx, id, false, func(tx pgx.Tx, actor authz.Actor, u domain.User) error {
		newEmail := !strings.EqualFold(d.Email, u.Email)
		if err := claim(ctx, tx, id, d, domain.NameKey(d.Name) != domain.NameKey(u.Name), newEmail); err != nil {
			return err
		}
		now := s.Now()
		changed, err := postgres.UpdateUserDetails(ctx, tx, id, d.Name, d.Email, d.Language, now)
		if err != nil || len(changed) == 0 {
			return err
		}
		details := map[string]any{"fields": changed}
		if newEmail {
			if details, err = withdrawLinks(ctx, tx, u, now, details); err != nil {
				return err
			}
			if err := s.tellOldAddress(ctx, tx, u.Email, d, now); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, audit.UserDetailsChanged, "user", audit.ID(id), details))
	})
}

// withdrawLinks ends the open invitation and reset links of u and cuts them out of the mail sent to u's
// address: a link made before a change of the user's address, admin role, permissions or status must not
// carry the account past it (whoever made it checked the account as it was). It returns the details of the
// change's audit event with the number withdrawn, if any (nil details stay nil when none were open).
func withdrawLinks(ctx context.Context, tx pgx.Tx, u domain.User, now time.Time, details map[string]any) (map[string]any, error) {
	n, err := postgres.RevokeUserTokens(ctx, tx, u.ID, now)
	if err != nil || n == 0 {
		return details, err
	}
	if details == nil {
		details = map[string]any{}
	}
	details["links_withdrawn"] = n
	return details, postgres.RedactLinks(ctx, tx, u.Email)
}

// tellOldAddress e-mails the address a user had that it is no longer theirs, so a change they did not
// expect does not go unnoticed. The new address is not in it.
func (s *Service) tellOldAddress(ctx context.Context, tx pgx.Tx, old string, d Details, now time.Time) error {
	if s.Mail == nil {
		return nil
	}
	mctx := i18n.WithLang(ctx, cmp.Or(d.Language, i18n.Default))
	_, err := s.Mail.Enqueue(ctx, tx, domain.Mail{To: old, Subject: i18n.T(mctx, "mail.email_changed.subject"),
		Body: i18n.Tf(mctx, "mail.email_changed.body", d.Name, now.In(domain.Stockholm).Format(domain.MinuteLayout))})
	return err
}

// IssueLink makes a new invitation (for a user who never set a password) or password-reset link, e-mails
// it and returns it with the user it is for. A reset does not end the user's sessions: their password still works until the link
// is used.
func (s *Service) IssueLink(ctx context.Context, id domain.UserID, origin string) (Link, Account, error) {
	var link Link
	var user Account
	err := s.manage(ctx, id, false, func(tx pgx.Tx, actor authz.Actor, u domain.User) error {
		if !u.Active {
			return &domain.ConflictError{Key: "users.inactive_no_link"}
		}
		purpose := PurposeReset
		if u.PasswordHash == "" {
			purpose = PurposeInvite
		}
		var err error
		link, err = s.issue(ctx, tx, actor, id, Details{Name: u.Name, Email: u.Email, Language: u.Language}, purpose, origin)
		if err != nil {
			return err
		}
		user = AccountOf(u, &link.Expires)
		if purpose == PurposeReset {
			user.InvitedUntil = nil
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
		action, details := audit.UserActivated, map[string]any(nil)
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
			// Reactivation must not bring back a link made before.
			var err error
			if details, err = withdrawLinks(ctx, tx, u, s.Now(), details); err != nil {
				return err
			}
		}
		if err := postgres.SetUserActive(ctx, tx, id, active, s.Now()); err != nil {
			return err
		}
		if active && u.IsAdmin {
			if err := s.newAdmin(ctx, tx, u); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Event(s.Now(), actor, action, "user", audit.ID(id), details))
	})
}

// Erase erases a departed user (admins only): the name and e-mail address become "Tidigare användare
// #12" and an address that cannot receive mail, wherever they are kept (postgres.EraseUser), so that a
// former employee is not kept by name for ever (art. 5(1)(e)). The row and its id stay: the audit chain,
// whose hashed events name actors by id only, still verifies, and the log shows the placeholder. Only a
// deactivated user can be erased, never the last admin, and never twice.
func (s *Service) Erase(ctx context.Context, id domain.UserID) error {
	if _, err := authz.RequireAdmin(ctx); err != nil {
		return err
	}
	return s.manage(ctx, id, true, func(tx pgx.Tx, actor authz.Actor, u domain.User) error {
		if u.Active {
			return &domain.ConflictError{Key: "users.erase_active"}
		}
		if u.IsAdmin { // a deactivated admin: the active admins are the others (there is one, or refuse)
			if n, err := postgres.CountAdmins(ctx, tx); err != nil {
				return err
			} else if n == 0 {
				return &domain.ConflictError{Key: "users.last_admin"}
			}
		}
		now := s.Now()
		if err := eraseUser(ctx, tx, id, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, audit.UserErased, "user", audit.ID(id), nil))
	})
}

// eraseUser replaces user id's name and e-mail with the placeholders wherever they are kept.
func eraseUser(ctx context.Context, tx pgx.Tx, id domain.UserID, now time.Time) error {
	name := i18n.Tf(i18n.WithLang(ctx, "sv"), "users.erased_name", strconv.FormatInt(int64(id), 10))
	return postgres.EraseUser(ctx, tx, id, name, ErasedEmail(id), now)
}

// DepartedBatch bounds the users one run of the departed-users rule erases.
const DepartedBatch = 1000

// EraseDeparted erases, in tx, the users deactivated before before, as Erase does (admins are left out:
// they are erased by hand, where the last admin is kept). It is the departed-users retention rule's, run
// by the system or an admin (actor); it returns the ids erased.
func (s *Service) EraseDeparted(ctx context.Context, tx pgx.Tx, actor authz.Actor, before time.Time) ([]domain.UserID, error) {
	if !actor.IsAdmin {
		return nil, fmt.Errorf("erase departed users: %w", domain.ErrForbidden)
	}
	ids, err := postgres.DepartedUsers(ctx, tx, before, DepartedBatch)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	var evs []domain.AuditEvent
	for _, id := range ids {
		if err := eraseUser(ctx, tx, id, now); err != nil {
			return nil, err
		}
		evs = append(evs, audit.Event(now, actor, audit.UserErased, "user", audit.ID(id), map[string]any{"retention_rule": true}))
	}
	return ids, audit.Record(ctx, tx, evs...)
}

// ErasedEmail is the address an erased user is left with: unique, and in the .invalid domain (RFC 2606),
// so no mail can reach anyone.
func ErasedEmail(id domain.UserID) string {
	return "tidigare-anvandare-" + strconv.FormatInt(int64(id), 10) + "@raderad.invalid"
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
		details, err := withdrawLinks(ctx, tx, u, s.Now(), nil)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(s.Now(), actor, action, "user", audit.ID(id), details))
	})
}

// Why a link that was made does not work; any other unusable link is domain.ErrNotFound.
var (
	// ErrLinkWithdrawn: the user's address, admin role, permissions or status changed after the link was made.
	ErrLinkWithdrawn = fmt.Errorf("password link withdrawn: %w", domain.ErrNotFound)
	// ErrLinkRefused: whoever made the link may no longer change its user (MayManage, checked again).
	ErrLinkRefused = fmt.Errorf("password link refused: %w", domain.ErrForbidden)
)

// LinkUser returns the user a password link is for and its purpose, while it is valid and its maker may
// still manage the user.
func (s *Service) LinkUser(ctx context.Context, token string) (domain.User, string, error) {
	l, err := validLink(ctx, s.DB.Pool, token, s.Now(), false)
	return l.User, l.Purpose, err
}

// validLink is the link of token, found (locked for the rest of tx, with lock) and checked (checkLink).
func validLink(ctx context.Context, q postgres.Querier, token string, now time.Time, lock bool) (postgres.UserLink, error) {
	l, err := postgres.UserToken(ctx, q, tokenHash(token), now, lock)
	if err == nil {
		err = checkLink(ctx, q, l)
	}
	return l, err
}

// checkLink makes again, with the accounts as they are now, the check that allowed the link to be made: a
// link hands over the account, so its maker must still be allowed to manage it.
func checkLink(ctx context.Context, q postgres.Querier, l postgres.UserLink) error {
	if l.Revoked {
		return ErrLinkWithdrawn
	}
	if l.IssuedBy == nil {
		return nil // the command line
	}
	issuer, issuerPerms, err := postgres.UserWithPermissions(ctx, q, *l.IssuedBy)
	if err != nil {
		return err
	}
	_, perms, err := postgres.UserWithPermissions(ctx, q, l.User.ID)
	if err != nil {
		return err
	}
	if !issuer.Active || !MayManage(authz.NewActor(issuer, toPermissions(issuerPerms)), AccountOf(l.User, nil), toPermissions(perms)) {
		return ErrLinkRefused
	}
	return nil
}

// SetPasswordByLink sets the password of the link's user, uses up the link and ends the user's sessions. A
// link its maker may no longer use (ErrLinkRefused) sets nothing: it is withdrawn and the refusal recorded.
func (s *Service) SetPasswordByLink(ctx context.Context, token, plain, repeat string) error {
	now := s.Now()
	// The link is checked before the costly hash, so requests with made-up tokens cost next to nothing.
	if _, err := validLink(ctx, s.DB.Pool, token, now, false); errors.Is(err, ErrLinkRefused) {
		return s.refuseLink(ctx, token, now)
	} else if err != nil {
		return err
	}
	if fe := checkNew(plain, repeat); fe != nil {
		return fe
	}
	hash, err := password.Hash(ctx, plain)
	if err != nil {
		return err
	}
	refused := false
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		l, wasRefused, err := lockedLink(ctx, tx, token, now)
		if refused = wasRefused; err != nil || refused {
			return err
		}
		u, purpose := l.User, l.Purpose
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
	if err == nil && refused {
		return ErrLinkRefused
	}
	return err
}

// refuseLink withdraws a link that checkLink refused and records the refusal, once: the withdrawn link is
// not found again.
func (s *Service) refuseLink(ctx context.Context, token string, now time.Time) error {
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		_, _, err := lockedLink(ctx, tx, token, now)
		return err
	})
	if err != nil {
		return err
	}
	return ErrLinkRefused
}

// lockedLink is validLink locked for the rest of tx. A link checkLink refuses is withdrawn and the refusal
// recorded (refused).
func lockedLink(ctx context.Context, tx pgx.Tx, token string, now time.Time) (l postgres.UserLink, refused bool, err error) {
	l, err = validLink(ctx, tx, token, now, true)
	if errors.Is(err, ErrLinkRefused) {
		return l, true, recordRefusal(ctx, tx, token, l, now)
	}
	return l, false, err
}

func recordRefusal(ctx context.Context, tx pgx.Tx, token string, l postgres.UserLink, now time.Time) error {
	if err := postgres.RevokeUserToken(ctx, tx, tokenHash(token), now); err != nil {
		return err
	}
	if err := postgres.RedactLinks(ctx, tx, l.User.Email); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Event(now, authz.Actor{}, audit.PasswordLinkRefused, "user", audit.ID(l.User.ID),
		map[string]any{"purpose": l.Purpose, "issued_by": *l.IssuedBy, "reason": "issuer_may_not_manage"}))
}

// checkNew applies the password policy (password.Check) to a new password typed twice.
func checkNew(plain, repeat string) domain.FieldErrors {
	if key := password.Check(plain); key != "" {
		return domain.FieldErrors{"password": key}
	}
	if plain != repeat {
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
	// Guesses of the current password are throttled like sign-ins, on a counter of the account's own, so a
	// session left open cannot be used to find the password, and strangers' failed sign-ins do not block it.
	acctKey := s.throttleKey("password_change", strconv.FormatInt(int64(u.ID), 10))
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
		// A link made before the change (say, by someone who took the account over) must not undo it.
		details, err := withdrawLinks(ctx, tx, u, s.Now(), nil)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(s.Now(), a, audit.PasswordChanged, "user", audit.ID(a.UserID), details))
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
		if err := claim(ctx, tx, a.UserID, d, domain.NameKey(d.Name) != domain.NameKey(a.Name), false); err != nil {
			return err
		}
		changed, err := postgres.UpdateUserDetails(ctx, tx, a.UserID, d.Name, d.Email, d.Language, s.Now())
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
