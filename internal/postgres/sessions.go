package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

// SignedIn is the user of a signed-in session as a request reads it. Found is false when the session was
// ended (signed out, deactivated, password reset); the caller decides whether it has been idle too long
// or lived too long (LastSeen, Started).
type SignedIn struct {
	User              domain.User
	Perms             []string
	LastSeen, Started time.Time
	Agreement         string // the newest data processing agreement sent to the user and not yet accepted
	Found             bool
}

// signedIn reads the user of the user_sessions row us, with their permissions (SignedIn's order).
var signedIn = struct{ columns, from, group string }{
	columns: userColumns + `,
		coalesce(array_agg(p.permission ORDER BY p.permission) FILTER (WHERE p.permission IS NOT NULL), '{}'),
		us.last_seen_at, us.created_at,
		coalesce((SELECT v.version FROM agreement_recipients r JOIN agreement_versions v ON v.id = r.version_id
			JOIN outbox o ON o.id = r.outbox_id
			WHERE r.user_id = u.id AND r.accepted_at IS NULL AND o.sent_at IS NOT NULL ORDER BY v.id DESC LIMIT 1), '')`,
	from:  `user_sessions us JOIN users u ON u.id = us.user_id LEFT JOIN user_permissions p ON p.user_id = u.id`,
	group: `GROUP BY u.id, us.last_seen_at, us.created_at`,
}

func scanSignedIn(row pgx.Row) (SignedIn, error) {
	var s SignedIn
	u, err := scanUser(row, &s.Perms, &s.LastSeen, &s.Started, &s.Agreement)
	s.User, s.Found = u, err == nil
	if err == pgx.ErrNoRows {
		return SignedIn{}, nil
	}
	return s, err
}

// SessionUser reads the user of the signed-in session sessionID with their permissions, one statement.
// A request whose session store read it already (SessionStore, WithSessionRead) needs none.
func SessionUser(ctx context.Context, q Querier, sessionID string) (SignedIn, error) {
	s, err := scanSignedIn(q.QueryRow(ctx, `SELECT `+signedIn.columns+` FROM `+signedIn.from+
		` WHERE us.id = $1 `+signedIn.group, sessionID))
	return s, mapErr(err, "session user")
}

// SessionStore keeps scs's sessions in the sessions table, as scs's pgxstore does, and beside a session's
// data the id of its user_sessions row (user_session), taken from the data when it is committed. Finding
// a session then reads its user too, so a request costs one statement for both, not two.
type SessionStore struct {
	Pool  Querier
	Codec interface { // the session manager's, to read the data
		Decode([]byte) (time.Time, map[string]interface{}, error)
	}
	Key string // the key of the user_sessions id in a session's data
}

// sessionRead is where FindCtx leaves the user it read, for the request whose context carries it.
type sessionRead struct {
	sessionID string
	user      SignedIn
}

type sessionReadKey struct{}

// WithSessionRead prepares a request's context for SessionStore.FindCtx to leave the session's user in.
func WithSessionRead(ctx context.Context) context.Context {
	return context.WithValue(ctx, sessionReadKey{}, &sessionRead{})
}

// ReadSessionUser is the user of session sessionID as this request's session store read it, if it did.
func ReadSessionUser(ctx context.Context, sessionID string) (SignedIn, bool) {
	r, _ := ctx.Value(sessionReadKey{}).(*sessionRead)
	if r == nil || r.sessionID == "" || r.sessionID != sessionID {
		return SignedIn{}, false
	}
	return r.user, true
}

func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var (
		data, user []byte
		sessionID  *string
	)
	err := s.Pool.QueryRow(ctx, `SELECT s.data, s.user_session, (SELECT json_build_array(`+signedIn.columns+`)
		FROM `+signedIn.from+` WHERE us.id = s.user_session `+signedIn.group+`)
		FROM sessions s WHERE s.token = $1 AND current_timestamp < s.expiry`, token).Scan(&data, &sessionID, &user)
	if err == pgx.ErrNoRows {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, mapErr(err, "find session")
	}
	if r, _ := ctx.Value(sessionReadKey{}).(*sessionRead); r != nil && sessionID != nil {
		if r.user, err = signedInJSON(user); err != nil {
			return nil, false, err
		}
		r.sessionID = *sessionID
	}
	return data, true, nil
}

// signedInJSON scans a SignedIn read as one JSON row; none (the user session has ended) is not Found.
func signedInJSON(raw []byte) (SignedIn, error) {
	if raw == nil {
		return SignedIn{}, nil
	}
	var row jsonRow
	if err := json.Unmarshal(raw, &row); err != nil {
		return SignedIn{}, fmt.Errorf("session user: %w", err)
	}
	s, err := scanSignedIn(row)
	if err != nil {
		return SignedIn{}, fmt.Errorf("session user: %w", err)
	}
	return s, nil
}

func (s *SessionStore) CommitCtx(ctx context.Context, token string, data []byte, expiry time.Time) error {
	_, values, err := s.Codec.Decode(data)
	if err != nil {
		return fmt.Errorf("commit session: %w", err)
	}
	var sessionID *string
	if v, ok := values[s.Key].(string); ok && v != "" {
		sessionID = &v
	}
	_, err = s.Pool.Exec(ctx, `INSERT INTO sessions (token, data, expiry, user_session) VALUES ($1, $2, $3, $4)
		ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry, user_session = EXCLUDED.user_session`,
		token, data, expiry, sessionID)
	return mapErr(err, "commit session")
}

func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	_, err := s.Pool.Exec(ctx, `DELETE FROM sessions WHERE token = $1`, token)
	return mapErr(err, "delete session")
}

// Find, Commit and Delete are scs.Store's; scs calls the Ctx ones.
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

func (s *SessionStore) Commit(token string, data []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, data, expiry)
}

func (s *SessionStore) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }

// DeleteExpiredSessions removes scs sessions past their expiry and session records older than the
// absolute session lifetime (their scs sessions have expired too).
func DeleteExpiredSessions(ctx context.Context, q Querier, lifetime time.Duration, now time.Time) (int64, error) {
	tag, err := q.Exec(ctx, `DELETE FROM sessions WHERE expiry < $1`, now)
	if err != nil {
		return 0, mapErr(err, "delete expired sessions")
	}
	tag2, err := q.Exec(ctx, `DELETE FROM user_sessions WHERE created_at < $1`, now.Add(-lifetime))
	return tag.RowsAffected() + tag2.RowsAffected(), mapErr(err, "delete expired sessions")
}
