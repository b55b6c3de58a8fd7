package bench

import (
	"cmp"
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

// Characters of a statement's text that tell statements apart: the counts per request show the start of
// each (statements that start alike are summed), the mix's table the whole text.
const (
	shownChars = 70
	wholeChars = 2000
)

// noStatements says what to do when pg_stat_statements cannot be read.
func noStatements(err error) error {
	return fmt.Errorf("pg_stat_statements (make bench's cluster preloads it; remove .data to recreate an older one): %w", err)
}

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
		before, err := statementUses(ctx, conn, dbName, shownChars)
		if err != nil {
			return noStatements(err)
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
		after, err := statementUses(ctx, conn, dbName, shownChars)
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

// statementUse is what pg_stat_statements has counted for one statement so far: its calls and the
// executor's time in milliseconds (wall time, so under load it includes waiting for a core).
type statementUse struct {
	calls int64
	ms    float64
}

// statementUses are the statements the database of dbName has run so far, by the first chars characters
// of their text (statements that start alike are summed).
func statementUses(ctx context.Context, conn *pgx.Conn, dbName string, chars int) (map[string]statementUse, error) {
	rows, err := conn.Query(ctx, `SELECT left(regexp_replace(s.query, '\s+', ' ', 'g'), $2), sum(s.calls)::bigint,
			sum(s.total_exec_time)
		FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
		WHERE d.datname = $1 AND `+background+` GROUP BY 1`, dbName, chars)
	if err != nil {
		return nil, err
	}
	uses := map[string]statementUse{}
	for rows.Next() {
		var q string
		var u statementUse
		if err := rows.Scan(&q, &u.calls, &u.ms); err != nil {
			return nil, err
		}
		uses[q] = u
	}
	return uses, rows.Err()
}

// ranBetween is what each statement that ran between two readings did in between.
func ranBetween(before, after map[string]statementUse) map[string]statementUse {
	ran := map[string]statementUse{}
	for q, u := range after {
		if d := u.calls - before[q].calls; d > 0 {
			ran[q] = statementUse{calls: d, ms: u.ms - before[q].ms}
		}
	}
	return ran
}

// perRequest is what ran between before and after, per request, most frequent first, and the total.
func perRequest(before, after map[string]statementUse, n int) ([]statementCount, float64) {
	var out []statementCount
	total := 0.0
	for q, u := range ranBetween(before, after) {
		c := float64(u.calls) / float64(n)
		out = append(out, statementCount{query: q, perRequest: c})
		total += c
	}
	slices.SortFunc(out, func(a, b statementCount) int {
		return cmp.Or(cmp.Compare(b.perRequest, a.perRequest), strings.Compare(a.query, b.query))
	})
	return out, total
}

// timeShare is one statement's part of the executor time between two readings.
type timeShare struct {
	query string
	calls int64
	ms    float64 // in all its calls
	share float64 // of all the statements' time
}

// timeShares are the statements that ran between before and after, most executor time first.
func timeShares(before, after map[string]statementUse) []timeShare {
	var out []timeShare
	total := 0.0
	for q, u := range ranBetween(before, after) {
		out = append(out, timeShare{query: q, calls: u.calls, ms: u.ms})
		total += u.ms
	}
	for i := range out {
		if total > 0 {
			out[i].share = out[i].ms / total
		}
	}
	slices.SortFunc(out, func(a, b timeShare) int {
		return cmp.Or(cmp.Compare(b.ms, a.ms), strings.Compare(a.query, b.query))
	})
	return out
}

// printTimeShares prints the top statements of shares, each shown by its start and the start of its
// first WHERE (many statements begin with the same column list).
func printTimeShares(out io.Writer, shares []timeShare, top int) {
	fmt.Fprintf(out, "\nthe requests' statements by PostgreSQL's executor time during the mix (pg_stat_statements; wall time, so under load it includes waiting for a core, for I/O and for locks; planning, the sealer and river left out):\n\n")
	fmt.Fprintf(out, "| statement | calls | mean | part of the time |\n|---|---:|---:|---:|\n")
	rest := 0.0
	for i, s := range shares {
		if i >= top {
			rest += s.share
			continue
		}
		fmt.Fprintf(out, "| `%s` | %d | %.2f ms | %.0f %% |\n", abbreviate(s.query), s.calls, s.ms/float64(s.calls), 100*s.share)
	}
	if rest > 0 {
		fmt.Fprintf(out, "| the other %d | | | %.0f %% |\n", len(shares)-top, 100*rest)
	}
}

// abbreviate is a statement's first 45 characters and the first 50 of its first WHERE clause, or its first
// 95 when the WHERE comes early or not at all.
func abbreviate(q string) string {
	short := func(s string, n int) string {
		if r := []rune(s); len(r) > n {
			return string(r[:n]) + "…"
		}
		return s
	}
	if i := strings.Index(q, " WHERE "); i > 45 {
		return short(q, 45) + short(q[i:], 57)
	}
	return short(q, 95)
}
