package postgres

import (
	"context"
	"time"
)

// ThrottleLockedUntil returns the latest lock-out time among keys still in force at now, or the zero time.
func ThrottleLockedUntil(ctx context.Context, q Querier, keys [][]byte, now time.Time) (time.Time, error) {
	var until *time.Time
	err := q.QueryRow(ctx, `SELECT max(locked_until) FROM signin_throttle
		WHERE key = ANY($1) AND locked_until > $2`, keys, now).Scan(&until)
	if err != nil || until == nil {
		return time.Time{}, mapErr(err, "throttle lookup")
	}
	return *until, nil
}

// RecordSignInFailure counts a failure for key within a window starting at its first failure; the
// max-th failure locks the key until now+lockFor.
func RecordSignInFailure(ctx context.Context, q Querier, key []byte, now time.Time, window time.Duration, max int, lockFor time.Duration) error {
	_, err := q.Exec(ctx, `INSERT INTO signin_throttle AS t (key, failures, window_start)
		VALUES ($1, 1, $2)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN t.window_start < $2 - $3::interval THEN 1 ELSE t.failures + 1 END,
			window_start = CASE WHEN t.window_start < $2 - $3::interval THEN $2 ELSE t.window_start END`,
		key, now, window)
	if err != nil {
		return mapErr(err, "record sign-in failure")
	}
	_, err = q.Exec(ctx, `UPDATE signin_throttle SET locked_until = $2::timestamptz + $4::interval
		WHERE key = $1 AND failures >= $3 AND (locked_until IS NULL OR locked_until < $2)`,
		key, now, max, lockFor)
	return mapErr(err, "record sign-in failure")
}

// ClearSignInFailures forgets the failures of key after a successful sign-in.
func ClearSignInFailures(ctx context.Context, q Querier, key []byte) error {
	_, err := q.Exec(ctx, `DELETE FROM signin_throttle WHERE key = $1`, key)
	return mapErr(err, "clear sign-in failures")
}
