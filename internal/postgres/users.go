package postgres

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

const userColumns = `u.id, u.email, u.name, u.password_hash, u.is_admin, u.active, coalesce(u.language, ''),
	u.created_at, u.last_login_at, u.erased_at`

func scanUser(row pgx.Row, extra ...any) (domain.User, error) {
	var u domain.User
	dest := append([]any{&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.IsAdmin, &u.Active, &u.Language,
		&u.CreatedAt, &u.LastLoginAt, &u.ErasedAt}, extra...)
	err := row.Scan(dest...)
	return u, err
}

// UserByEmail finds a user by e-mail address (case-insensitive).
func UserByEmail(ctx context.Context, q Querier, email string) (domain.User, error) {
	u, err := scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM users u WHERE u.email = $1`, email))
	return u, mapErr(err, "user by email")
}

// UserWithPermissions loads a user and the permissions stored for them in one round trip.
func UserWithPermissions(ctx context.Context, q Querier, id domain.UserID) (domain.User, []string, error) {
	var perms []string
	u, err := scanUser(q.QueryRow(ctx, `SELECT `+userColumns+`,
		coalesce(array_agg(p.permission ORDER BY p.permission) FILTER (WHERE p.permission IS NOT NULL), '{}')
		FROM users u LEFT JOIN user_permissions p ON p.user_id = u.id
		WHERE u.id = $1 GROUP BY u.id`, id), &perms)
	return u, perms, mapErr(err, "user with permissions")
}

// openInvitation is, in a query over users u, the expiry of u's newest invitation link if u has not chosen
// a password and the link is not used or withdrawn (it may have passed); NULL when there is none.
const openInvitation = `(SELECT max(t.expires_at) FROM user_tokens t WHERE t.user_id = u.id AND t.purpose = 'invite'
	AND t.used_at IS NULL AND t.revoked_at IS NULL AND u.password_hash = '')`

// UserAccount is UserWithPermissions with the expiry of the user's open invitation (openInvitation), for
// the user's page, in one round trip.
func UserAccount(ctx context.Context, q Querier, id domain.UserID) (domain.User, []string, *time.Time, error) {
	var perms []string
	var until *time.Time
	u, err := scanUser(q.QueryRow(ctx, `SELECT `+userColumns+`,
		coalesce(array_agg(p.permission ORDER BY p.permission) FILTER (WHERE p.permission IS NOT NULL), '{}'),
		`+openInvitation+`
		FROM users u LEFT JOIN user_permissions p ON p.user_id = u.id
		WHERE u.id = $1 GROUP BY u.id`, id), &perms, &until)
	return u, perms, until, mapErr(err, "user account")
}

// TouchSession records activity on a session.
func TouchSession(ctx context.Context, q Querier, sessionID string, now time.Time) error {
	_, err := q.Exec(ctx, `UPDATE user_sessions SET last_seen_at = $2 WHERE id = $1`, sessionID, now)
	return mapErr(err, "touch session")
}

// StartSession records a signed-in session.
func StartSession(ctx context.Context, q Querier, sessionID string, id domain.UserID, now time.Time) error {
	_, err := q.Exec(ctx, `INSERT INTO user_sessions (id, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)`,
		sessionID, id, now)
	return mapErr(err, "start session")
}

// EndSession deletes one session record.
func EndSession(ctx context.Context, q Querier, sessionID string) error {
	_, err := q.Exec(ctx, `DELETE FROM user_sessions WHERE id = $1`, sessionID)
	return mapErr(err, "end session")
}

// EndUserSessions deletes every session record of a user and returns how many there were.
func EndUserSessions(ctx context.Context, q Querier, id domain.UserID) (int64, error) {
	tag, err := q.Exec(ctx, `DELETE FROM user_sessions WHERE user_id = $1`, id)
	return tag.RowsAffected(), mapErr(err, "end user sessions")
}

// EraseUser replaces departed user id's name and e-mail address by placeholders everywhere they are kept:
// the e-mail sent to any address the user had (recipient, and the body, which greets them by name), the
// agreements sent to the user, the user row (without a password, permissions or the admin role), the
// name history (through erase_user_name_history, migration 30), so the audit log names the placeholder,
// and who asked in the bulk jobs and the erasure register (erase_user_erasure_names, migration 38).
// Sessions and links go. Audit events keep the id: their hashed content never held a name.
func EraseUser(ctx context.Context, tx pgx.Tx, id domain.UserID, name, email string, now time.Time) error {
	steps := []struct {
		what, sql string
		args      []any
	}{
		{"outbox", `UPDATE outbox SET recipient = $2, body = '' WHERE recipient IN
			(SELECT email::text FROM user_name_history WHERE user_id = $1 UNION SELECT email::text FROM users WHERE id = $1)`,
			[]any{id, email}},
		{"agreements", `UPDATE agreement_recipients SET email = $2 WHERE user_id = $1`, []any{id, email}},
		{"sessions", `DELETE FROM user_sessions WHERE user_id = $1`, []any{id}},
		{"links", `DELETE FROM user_tokens WHERE user_id = $1`, []any{id}},
		{"permissions", `DELETE FROM user_permissions WHERE user_id = $1`, []any{id}},
		{"user", `UPDATE users SET name = $2, email = $3, password_hash = '', is_admin = false, active = false,
			language = NULL, last_login_at = NULL, erased_at = $4 WHERE id = $1`, []any{id, name, email, now}},
		{"history", `SELECT erase_user_name_history($1)`, []any{id}},
		{"bulk jobs", `UPDATE bulk_jobs SET requested_name = $2 WHERE requested_by = $1`, []any{id, name}},
		{"erasure register", `SELECT erase_user_erasure_names($1)`, []any{id}},
	}
	for _, st := range steps {
		if _, err := tx.Exec(ctx, st.sql, st.args...); err != nil {
			return mapErr(err, "erase user: "+st.what)
		}
	}
	return nil
}

// SetUserActive activates or deactivates a user at now; the deactivation's time is kept for the
// departed-users retention rule.
func SetUserActive(ctx context.Context, q Querier, id domain.UserID, active bool, now time.Time) error {
	tag, err := q.Exec(ctx, `UPDATE users SET active = $2, deactivated_at = CASE WHEN $2 THEN NULL ELSE $3::timestamptz END
		WHERE id = $1`, id, active, now)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return mapErr(err, "set user active")
}

// CreateUser inserts u with the first entry of its name history (which covers all time before the first
// change) and returns its id. The caller has checked the address under LockUserIdentities: a taken one
// would fail on the unique index, and PostgreSQL would log the address.
func CreateUser(ctx context.Context, q Querier, u domain.User) (domain.UserID, error) {
	var id domain.UserID
	err := q.QueryRow(ctx, `WITH u AS (INSERT INTO users (email, name, password_hash, is_admin, language)
			VALUES ($1, $2, $3, $4, nullif($5, '')) RETURNING id, name, email)
		INSERT INTO user_name_history (user_id, name, email, valid_from) SELECT id, name, email, '-infinity' FROM u
		RETURNING user_id`,
		u.Email, u.Name, u.PasswordHash, u.IsAdmin, u.Language).Scan(&id)
	return id, mapErr(err, "create user")
}

// LockUserIdentities serialises every change of a user's name or e-mail address until the transaction
// ends, so that a check for another user with the same one (IdentityClash) still holds at the write.
func LockUserIdentities(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('affar.user_identities', 0))`)
	return mapErr(err, "lock user identities")
}

// IdentityClash returns the names of the users other than except, and whether one of them has the address
// email, for the check before a user is created or renamed.
func IdentityClash(ctx context.Context, q Querier, except domain.UserID, email string) (names []string, emailTaken bool, err error) {
	err = q.QueryRow(ctx, `SELECT coalesce(array_agg(name) FILTER (WHERE id <> $1), '{}'),
		coalesce(bool_or(email = $2::citext AND id <> $1), false) FROM users`, except, email).Scan(&names, &emailTaken)
	return names, emailTaken, mapErr(err, "identity clash")
}

// CountAdmins counts active admin users.
func CountAdmins(ctx context.Context, q Querier) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM users WHERE is_admin AND active`).Scan(&n)
	return n, mapErr(err, "count admins")
}

// TouchLastLogin records a successful sign-in.
func TouchLastLogin(ctx context.Context, q Querier, id domain.UserID, at time.Time) error {
	_, err := q.Exec(ctx, `UPDATE users SET last_login_at = $2 WHERE id = $1`, id, at)
	return mapErr(err, "touch last login")
}

// SetUserLanguage stores the interface language chosen by the user.
func SetUserLanguage(ctx context.Context, q Querier, id domain.UserID, lang string) error {
	tag, err := q.Exec(ctx, `UPDATE users SET language = $2 WHERE id = $1`, id, lang)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return mapErr(err, "set user language")
}

// GrantPermissions adds perms to the user and returns those that were not held before.
func GrantPermissions(ctx context.Context, q Querier, id domain.UserID, perms []string) ([]string, error) {
	rows, err := q.Query(ctx, `INSERT INTO user_permissions (user_id, permission)
		SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING RETURNING permission`, id, perms)
	if err != nil {
		return nil, mapErr(err, "grant permissions")
	}
	added, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return added, mapErr(err, "grant permissions")
}

// RevokePermissions removes perms from the user and returns those that were held.
func RevokePermissions(ctx context.Context, q Querier, id domain.UserID, perms []string) ([]string, error) {
	rows, err := q.Query(ctx, `DELETE FROM user_permissions WHERE user_id = $1 AND permission = ANY($2)
		RETURNING permission`, id, perms)
	if err != nil {
		return nil, mapErr(err, "revoke permissions")
	}
	removed, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return removed, mapErr(err, "revoke permissions")
}

// ListUsers lists the users whose name or e-mail address contains search ("" for all) by name, with the
// number of permissions held and, for one who has not set a password yet, when their invitation expires.
func ListUsers(ctx context.Context, q Querier, search string) ([]domain.UserSummary, error) {
	rows, err := q.Query(ctx, `SELECT `+userColumns+`, (SELECT count(*) FROM user_permissions p WHERE p.user_id = u.id),
		`+openInvitation+`
		FROM users u WHERE $1 = '' OR lower(u.name || ' ' || u.email) LIKE '%' || $1 || '%' ORDER BY u.name, u.id`,
		likeEscape(strings.ToLower(strings.TrimSpace(search))))
	if err != nil {
		return nil, mapErr(err, "list users")
	}
	defer rows.Close()
	var out []domain.UserSummary
	for rows.Next() {
		var s domain.UserSummary
		if s.User, err = scanUser(rows, &s.Permissions, &s.InvitedUntil); err != nil {
			return nil, mapErr(err, "list users")
		}
		out = append(out, s)
	}
	return out, mapErr(rows.Err(), "list users")
}

// SetPassword stores a new password hash.
func SetPassword(ctx context.Context, q Querier, id domain.UserID, hash string) error {
	tag, err := q.Exec(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, id, hash)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return mapErr(err, "set password")
}

// UpdateUserDetails stores a user's name, e-mail address and language and returns the names of the fields
// that changed; a new name or address starts a period of the name history at. The caller has checked the
// address as for CreateUser.
func UpdateUserDetails(ctx context.Context, q Querier, id domain.UserID, name, email, lang string, at time.Time) ([]string, error) {
	var changed []string
	err := q.QueryRow(ctx, `WITH old AS (SELECT name, email, language FROM users WHERE id = $1 FOR UPDATE)
		UPDATE users u SET name = $2, email = $3, language = nullif($4, '') FROM old WHERE u.id = $1
		RETURNING array_remove(ARRAY[
			CASE WHEN old.name IS DISTINCT FROM $2 THEN 'name' END,
			CASE WHEN old.email IS DISTINCT FROM $3::citext THEN 'email' END,
			CASE WHEN old.language IS DISTINCT FROM nullif($4, '') THEN 'language' END], NULL)`,
		id, name, email, lang).Scan(&changed)
	if err != nil || !(slices.Contains(changed, "name") || slices.Contains(changed, "email")) {
		return changed, mapErr(err, "update user details")
	}
	// A clock set back (tests) must not end a period before it began.
	if _, err := q.Exec(ctx, `UPDATE user_name_history SET valid_to = greatest(valid_from, $2)
		WHERE user_id = $1 AND valid_to IS NULL`, id, at); err != nil {
		return nil, mapErr(err, "update user details")
	}
	_, err = q.Exec(ctx, `INSERT INTO user_name_history (user_id, name, email, valid_from) VALUES ($1, $2, $3, $4)`,
		id, name, email, at)
	return changed, mapErr(err, "update user details")
}

// SetUserAdmin makes a user an admin or takes that away.
func SetUserAdmin(ctx context.Context, q Querier, id domain.UserID, admin bool) error {
	tag, err := q.Exec(ctx, `UPDATE users SET is_admin = $2 WHERE id = $1`, id, admin)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return mapErr(err, "set user admin")
}

// LockAdmins serialises every change that could remove an active admin, so two at once cannot both see
// "another admin is left" and leave none. It lasts until the transaction ends.
func LockAdmins(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('affar.admins', 0))`)
	return mapErr(err, "lock admins")
}

// IssueUserToken stores the digest of a new invitation or reset link made by issuer (nil: the command
// line); older unused links of the same purpose stop working.
func IssueUserToken(ctx context.Context, q Querier, hash []byte, id domain.UserID, purpose string, issuer *domain.UserID, now, expires time.Time) error {
	if _, err := q.Exec(ctx, `DELETE FROM user_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`, id, purpose); err != nil {
		return mapErr(err, "issue user token")
	}
	_, err := q.Exec(ctx, `INSERT INTO user_tokens (hash, user_id, purpose, issued_by, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, hash, id, purpose, issuer, now, expires)
	return mapErr(err, "issue user token")
}

// UserLink is an unused, unexpired link with its user.
type UserLink struct {
	User     domain.User
	Purpose  string
	IssuedBy *domain.UserID // nil: made on the command line
	Revoked  bool           // withdrawn when its user's account changed
}

// UserToken finds an unused, unexpired link of an active user; lock takes the row for its use. Anything
// else is domain.ErrNotFound.
func UserToken(ctx context.Context, q Querier, hash []byte, now time.Time, lock bool) (UserLink, error) {
	sql := `SELECT ` + userColumns + `, t.purpose, t.issued_by, t.revoked_at IS NOT NULL FROM user_tokens t
		JOIN users u ON u.id = t.user_id
		WHERE t.hash = $1 AND t.used_at IS NULL AND t.expires_at > $2 AND u.active`
	if lock {
		sql += ` FOR UPDATE OF t`
	}
	var l UserLink
	var err error
	l.User, err = scanUser(q.QueryRow(ctx, sql, hash, now), &l.Purpose, &l.IssuedBy, &l.Revoked)
	return l, mapErr(err, "user token")
}

// RevokeUserTokens withdraws every open link of a user and returns how many there were.
func RevokeUserTokens(ctx context.Context, q Querier, id domain.UserID, now time.Time) (int64, error) {
	tag, err := q.Exec(ctx, `UPDATE user_tokens SET revoked_at = $2 WHERE user_id = $1 AND used_at IS NULL
		AND revoked_at IS NULL AND expires_at > $2`, id, now)
	return tag.RowsAffected(), mapErr(err, "revoke user tokens")
}

// RevokeUserToken withdraws one link.
func RevokeUserToken(ctx context.Context, q Querier, hash []byte, now time.Time) error {
	_, err := q.Exec(ctx, `UPDATE user_tokens SET revoked_at = $2 WHERE hash = $1 AND revoked_at IS NULL`, hash, now)
	return mapErr(err, "revoke user token")
}

// UseUserToken marks a link used, together with every other open link of the user.
func UseUserToken(ctx context.Context, q Querier, id domain.UserID, now time.Time) error {
	_, err := q.Exec(ctx, `UPDATE user_tokens SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL`, id, now)
	return mapErr(err, "use user token")
}

// PermissionHolders maps each permission to the active non-admin users holding it, by name.
func PermissionHolders(ctx context.Context, q Querier) (map[string][]domain.User, error) {
	rows, err := q.Query(ctx, `SELECT `+userColumns+`, p.permission FROM user_permissions p JOIN users u ON u.id = p.user_id
		WHERE u.active AND NOT u.is_admin ORDER BY p.permission, u.name, u.id`)
	if err != nil {
		return nil, mapErr(err, "permission holders")
	}
	defer rows.Close()
	out := map[string][]domain.User{}
	for rows.Next() {
		var perm string
		u, err := scanUser(rows, &perm)
		if err != nil {
			return nil, mapErr(err, "permission holders")
		}
		out[perm] = append(out[perm], u)
	}
	return out, mapErr(rows.Err(), "permission holders")
}

// EndOtherSessions deletes every session record of a user but keep.
func EndOtherSessions(ctx context.Context, q Querier, id domain.UserID, keep string) error {
	_, err := q.Exec(ctx, `DELETE FROM user_sessions WHERE user_id = $1 AND id <> $2`, id, keep)
	return mapErr(err, "end other sessions")
}

// ActiveAdmins lists the active admin users.
func ActiveAdmins(ctx context.Context, q Querier) ([]domain.User, error) {
	rows, err := q.Query(ctx, `SELECT `+userColumns+` FROM users u WHERE u.is_admin AND u.active ORDER BY u.name, u.id`)
	if err != nil {
		return nil, mapErr(err, "active admins")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.User, error) { return scanUser(r) })
	return out, mapErr(err, "active admins")
}

// DepartedUsers are the users deactivated before before and not erased, oldest first, admins left out
// (an admin is erased by hand, where the last admin is kept), at most limit of them, locked.
func DepartedUsers(ctx context.Context, tx pgx.Tx, before time.Time, limit int) ([]domain.UserID, error) {
	rows, err := tx.Query(ctx, `SELECT id FROM users WHERE NOT active AND erased_at IS NULL AND NOT is_admin
		AND deactivated_at < $1 ORDER BY deactivated_at, id LIMIT $2 FOR UPDATE`, before, limit)
	if err != nil {
		return nil, mapErr(err, "departed users")
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[domain.UserID])
	return ids, mapErr(err, "departed users")
}

// DepartedUsersDue counts the users DepartedUsers would find, and returns the first limit with their
// deactivation.
func DepartedUsersDue(ctx context.Context, q Querier, before time.Time, limit int) ([]domain.DueUser, int, error) {
	var total int
	const where = `FROM users WHERE NOT active AND erased_at IS NULL AND NOT is_admin AND deactivated_at < $1`
	if err := q.QueryRow(ctx, `SELECT count(*) `+where, before).Scan(&total); err != nil {
		return nil, 0, mapErr(err, "departed users")
	}
	rows, err := q.Query(ctx, `SELECT id, name, deactivated_at `+where+` ORDER BY deactivated_at, id LIMIT $2`, before, limit)
	if err != nil {
		return nil, 0, mapErr(err, "departed users")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.DueUser, error) {
		var d domain.DueUser
		return d, r.Scan(&d.ID, &d.Name, &d.DeactivatedAt)
	})
	return out, total, mapErr(err, "departed users")
}
