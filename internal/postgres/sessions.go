package postgres

import (
	"context"
	"time"
)

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
