package testutil

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/postgres"
)

// Queries only tests ask: the application never needs them, so they live here rather than in postgres.

// AuditActions counts events per action since id after.
func AuditActions(ctx context.Context, q postgres.Querier, after int64) (map[string]int, error) {
	rows, err := q.Query(ctx, `SELECT action, count(*) FROM audit_events WHERE id > $1 GROUP BY action`, after)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	var (
		a string
		n int
	)
	_, err = pgx.ForEachRow(rows, []any{&a, &n}, func() error {
		out[a] = n
		return nil
	})
	return out, err
}

// CustomerTables lists the tables that refer to customers, directly or through another such table, with
// their columns: what the personal-data inventory must cover.
func CustomerTables(ctx context.Context, q postgres.Querier) (map[string][]string, error) {
	rows, err := q.Query(ctx, `WITH RECURSIVE related (oid) AS (
			SELECT 'customers'::regclass::oid
			UNION
			SELECT con.conrelid FROM pg_constraint con JOIN related r ON con.confrelid = r.oid WHERE con.contype = 'f')
		SELECT c.relname::text, a.attname::text FROM related r JOIN pg_class c ON c.oid = r.oid
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		ORDER BY 1, a.attnum`)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	var t, c string
	_, err = pgx.ForEachRow(rows, []any{&t, &c}, func() error {
		out[t] = append(out[t], c)
		return nil
	})
	return out, err
}
