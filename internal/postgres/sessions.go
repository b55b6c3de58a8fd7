package postgres

import "context"

// DeleteExpiredSessions removes sessions past their expiry from the scs session table.
func DeleteExpiredSessions(ctx context.Context, q Querier) (int64, error) {
	tag, err := q.Exec(ctx, `DELETE FROM sessions WHERE expiry < now()`)
	return tag.RowsAffected(), mapErr(err, "delete expired sessions")
}
