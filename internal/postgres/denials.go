package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// DenialKey is one counter of refusals: a user, a route pattern and the minute they fall in.
type DenialKey struct {
	UserID int64
	Route  string
	Minute time.Time
}

// CountDenial counts a refusal in one statement of its own (no transaction, no audit lock) and reports
// whether it is the first of its key, whose audit event the caller then writes (MarkDenialRecorded).
func CountDenial(ctx context.Context, q Querier, k DenialKey, permission string) (first bool, err error) {
	err = q.QueryRow(ctx, `INSERT INTO denial_counts (user_id, route, permission, minute, count) VALUES ($1, $2, $3, $4, 1)
		ON CONFLICT (user_id, route, minute) DO UPDATE SET count = denial_counts.count + 1
		RETURNING xmax = 0`, k.UserID, k.Route, permission, k.Minute).Scan(&first)
	return first, mapErr(err, "count denial")
}

// MarkDenialRecorded notes in tx that the first refusal of k is in the audit chain. It reports false when
// a flush took the counter first (and recorded the refusal with its count).
func MarkDenialRecorded(ctx context.Context, tx pgx.Tx, k DenialKey) (bool, error) {
	tag, err := tx.Exec(ctx, `UPDATE denial_counts SET recorded = true
		WHERE user_id = $1 AND route = $2 AND minute = $3 AND NOT recorded`, k.UserID, k.Route, k.Minute)
	return tag.RowsAffected() == 1, mapErr(err, "mark denial recorded")
}

// DenialCount is a counter taken for the audit chain: its refusals not recorded as events of their own.
type DenialCount struct {
	DenialKey
	Permission string
	Unrecorded int
}

// TakeDenialCounts deletes in tx the counters of the minutes before before and returns them, oldest
// first. Counters a refusal is writing right now are skipped (taken the next time), so taking them never
// waits for a request, nor deadlocks with one that waits for the audit lock.
func TakeDenialCounts(ctx context.Context, tx pgx.Tx, before time.Time) ([]DenialCount, error) {
	rows, err := tx.Query(ctx, `WITH taken AS (DELETE FROM denial_counts
			WHERE (user_id, route, minute) IN (SELECT user_id, route, minute FROM denial_counts WHERE minute < $1
				FOR UPDATE SKIP LOCKED)
			RETURNING user_id, route, minute, permission, count - CASE WHEN recorded THEN 1 ELSE 0 END AS unrecorded)
		SELECT user_id, route, minute, permission, unrecorded FROM taken ORDER BY minute, user_id, route`, before)
	if err != nil {
		return nil, mapErr(err, "take denial counts")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (DenialCount, error) {
		var c DenialCount
		err := r.Scan(&c.UserID, &c.Route, &c.Minute, &c.Permission, &c.Unrecorded)
		return c, err
	})
	return out, mapErr(err, "take denial counts")
}
