package postgres

import (
	"bytes"
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// ThrottleKey is one counter of sign-in attempts (an account or a client address) and its limit.
type ThrottleKey struct {
	Key   []byte
	Limit int
}

// ThrottleAttempt counts a sign-in attempt against every key before the password is checked, under row
// locks, so attempts made in parallel are counted one after another and cannot all pass. It returns the
// latest lock-out in force (zero: the attempt may go on) and whether this attempt started a lock-out.
// The caller forgives the attempt when it succeeds (ForgiveAttempt).
func ThrottleAttempt(ctx context.Context, tx pgx.Tx, keys []ThrottleKey, now time.Time, window, lockFor time.Duration) (until time.Time, lockedNow bool, err error) {
	keys = slices.Clone(keys)
	slices.SortFunc(keys, func(a, b ThrottleKey) int { return bytes.Compare(a.Key, b.Key) }) // no deadlocks
	type state struct {
		failures    int
		windowStart time.Time
		lockedUntil *time.Time
	}
	states := make([]state, len(keys))
	for i, k := range keys {
		if _, err := tx.Exec(ctx, `INSERT INTO signin_throttle (key, failures, window_start) VALUES ($1, 0, $2)
			ON CONFLICT (key) DO NOTHING`, k.Key, now); err != nil {
			return time.Time{}, false, mapErr(err, "throttle")
		}
		st := &states[i]
		if err := tx.QueryRow(ctx, `SELECT failures, window_start, locked_until FROM signin_throttle
			WHERE key = $1 FOR UPDATE`, k.Key).Scan(&st.failures, &st.windowStart, &st.lockedUntil); err != nil {
			return time.Time{}, false, mapErr(err, "throttle")
		}
		if st.lockedUntil != nil && st.lockedUntil.After(now) && st.lockedUntil.After(until) {
			until = *st.lockedUntil
		}
	}
	if !until.IsZero() {
		return until, false, nil // locked: refused without counting, so a lock-out does not extend itself
	}
	for i, k := range keys {
		st := &states[i]
		if st.windowStart.Before(now.Add(-window)) {
			st.failures, st.windowStart = 0, now
		}
		st.failures++
		st.lockedUntil = nil
		if st.failures > k.Limit {
			t := now.Add(lockFor)
			st.lockedUntil, until, lockedNow = &t, t, true
		}
		if _, err := tx.Exec(ctx, `UPDATE signin_throttle SET failures = $2, window_start = $3, locked_until = $4
			WHERE key = $1`, k.Key, st.failures, st.windowStart, st.lockedUntil); err != nil {
			return time.Time{}, false, mapErr(err, "throttle")
		}
	}
	return until, lockedNow, nil
}

// ForgiveAttempt takes back a counted attempt that succeeded: the account's counter is cleared, the
// client's is decreased by one.
func ForgiveAttempt(ctx context.Context, q Querier, account, client []byte) error {
	if _, err := q.Exec(ctx, `DELETE FROM signin_throttle WHERE key = $1`, account); err != nil {
		return mapErr(err, "forgive attempt")
	}
	_, err := q.Exec(ctx, `UPDATE signin_throttle SET failures = greatest(failures - 1, 0) WHERE key = $1`, client)
	return mapErr(err, "forgive attempt")
}

// DeleteStaleThrottles removes counters whose window and lock-out are both over, so the hashed keys do not
// stay in the database.
func DeleteStaleThrottles(ctx context.Context, q Querier, window time.Duration, now time.Time) error {
	_, err := q.Exec(ctx, `DELETE FROM signin_throttle WHERE window_start < $1 AND (locked_until IS NULL OR locked_until < $2)`,
		now.Add(-window), now)
	return mapErr(err, "delete stale throttles")
}
