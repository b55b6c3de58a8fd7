package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// background are the statements a server runs on its own, whichever request it serves: the audit
// sealer's and river's. They are left out of the counts (the sealer's BEGIN and COMMIT cannot be, so a
// count may be a few tenths high).
const background = `s.query NOT LIKE '%audit_pending)%' AND s.query NOT LIKE '%audit_seals%'
	AND s.query NOT LIKE '%pg_try_advisory_xact_lock%' AND s.query NOT LIKE '%river%'`

// statementCount is one statement of a kind of request and how often it ran per request.
type statementCount struct {
	query      string
	perRequest float64
}

// countStatements asks each kind of request n times, one at a time, and reads from pg_stat_statements
// (through statsURL, a connection to the maintenance database where the view is) what the database of
// dbName ran for them.
func countStatements(ctx context.Context, statsURL, dbName string, c *http.Client, base string, reqs []request, n int, out io.Writer) error {
	conn, err := pgx.Connect(ctx, statsURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	fmt.Fprintf(out, "\nstatements per request (pg_stat_statements, %d requests of each, one at a time):\n\n", n)
	fmt.Fprintf(out, "| request | statements | the statements (calls per request) |\n|---|---:|---|\n")
	r := rand.New(rand.NewPCG(3, 3))
	for _, req := range reqs {
		before, err := statementCalls(ctx, conn, dbName)
		if err != nil {
			return fmt.Errorf("pg_stat_statements (make bench's cluster preloads it; remove .data to recreate an older one): %w", err)
		}
		for range n {
			resp, err := c.Get(base + req.path(r))
			if err != nil {
				return err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if !answered(resp) {
				return fmt.Errorf("%s: %d", req.name, resp.StatusCode)
			}
		}
		after, err := statementCalls(ctx, conn, dbName)
		if err != nil {
			return err
		}
		counts, total := perRequest(before, after, n)
		var parts []string
		for _, s := range counts {
			parts = append(parts, fmt.Sprintf("`%s` (%.1f)", s.query, s.perRequest))
		}
		fmt.Fprintf(out, "| %s | %.1f | %s |\n", req.name, total, strings.Join(parts, ", "))
	}
	return nil
}

// statementCalls are the calls so far of each statement of the database, by query text.
func statementCalls(ctx context.Context, conn *pgx.Conn, dbName string) (map[string]int64, error) {
	rows, err := conn.Query(ctx, `SELECT left(regexp_replace(s.query, '\s+', ' ', 'g'), 70), sum(s.calls)::bigint
		FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
		WHERE d.datname = $1 AND `+background+` GROUP BY 1`, dbName)
	if err != nil {
		return nil, err
	}
	calls := map[string]int64{}
	for rows.Next() {
		var q string
		var n int64
		if err := rows.Scan(&q, &n); err != nil {
			return nil, err
		}
		calls[q] += n
	}
	return calls, rows.Err()
}

// perRequest is what ran between before and after, per request, most frequent first, and the total.
func perRequest(before, after map[string]int64, n int) ([]statementCount, float64) {
	var out []statementCount
	total := 0.0
	for q, calls := range after {
		if d := calls - before[q]; d > 0 {
			c := float64(d) / float64(n)
			out = append(out, statementCount{query: q, perRequest: c})
			total += c
		}
	}
	slices.SortFunc(out, func(a, b statementCount) int {
		if a.perRequest != b.perRequest {
			if a.perRequest > b.perRequest {
				return -1
			}
			return 1
		}
		return strings.Compare(a.query, b.query)
	})
	return out, total
}
