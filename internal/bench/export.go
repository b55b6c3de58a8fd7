package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/user"
)

// ceilingCopy is the ceiling of a register export: one COPY (built from the field table) of the same columns and rows
// straight from PostgreSQL (no permission check, audit event, snapshot count, CSV quoting in Go or HTTP).
var ceilingCopy = ceilingCopySQL()

// ceilingCopySQL writes ceilingCopy: the register export's columns, days as dates.
func ceilingCopySQL() string {
	var cols []string
	for _, f := range domain.CustomerFields.Exported() {
		col := pgx.Identifier{f.Name}.Sanitize()
		if _, day := domain.Value(&domain.Customer{}, "db", f.Name).Interface().(time.Time); day {
			col += "::date"
		}
		cols = append(cols, col)
	}
	return `COPY (SELECT ` + strings.Join(cols, ", ") + ` FROM customers WHERE anonymised_at IS NULL
		ORDER BY number) TO STDOUT WITH (FORMAT csv, DELIMITER ';', HEADER)`
}

// exportRun is one export through a fresh server: its rows, bytes, time and the server's peak RSS.
type exportRun struct {
	name         string
	rows, bytes  int64
	took         time.Duration
	rss          string
	rssAtStartup string
}

// RunExport is make bench-export: it exports the seeded register through a real server (CSV and XLSX,
// all of it, and about a thousand rows for comparison), each on a fresh server process so its peak RSS
// is its own, and times one COPY of the same rows as the ceiling.
func RunExport(ctx context.Context, opts Options) error {
	dbURL, email, pw, small, medium, err := prepareExport(ctx, opts)
	if err != nil {
		return err
	}
	ceilRows, ceilBytes, ceilTime, err := timeCeilingCopy(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("ceiling: %w", err)
	}
	fmt.Fprintf(opts.Out, "ceiling: COPY of %d customers (%d MB) in %s\n", ceilRows, ceilBytes>>20, ceilTime.Round(time.Millisecond))

	var runs []exportRun
	for _, e := range []struct {
		name, path string
		form       url.Values
	}{
		{"CSV, ~1,000 (created on a few days)", "/exports/register.csv", small},
		{"CSV, ~100,000 (created in some months)", "/exports/register.csv", medium},
		{"CSV, whole register", "/exports/register.csv", url.Values{}},
		{"XLSX, ~1,000", "/exports/register.xlsx", small},
		{"XLSX, ~100,000", "/exports/register.xlsx", medium},
		{"XLSX, whole register", "/exports/register.xlsx", url.Values{}},
	} {
		r, err := exportOnce(ctx, opts, dbURL, email, pw, e.path, e.form)
		if err != nil {
			return fmt.Errorf("%s: %w", e.name, err)
		}
		r.name = e.name
		fmt.Fprintf(opts.Out, "%s: %d rows, %d MB in %s, server peak RSS %s (%s after sign-in)\n", r.name, r.rows, r.bytes>>20,
			r.took.Round(time.Millisecond), r.rss, r.rssAtStartup)
		runs = append(runs, r)
	}

	fmt.Fprintf(opts.Out, "\n| export | rows | MB | time | rows/s | server peak RSS |\n|---|---:|---:|---:|---:|---:|\n")
	for _, r := range runs {
		fmt.Fprintf(opts.Out, "| %s | %d | %d | %s | %.0f | %s |\n", r.name, r.rows, r.bytes>>20, r.took.Round(time.Millisecond),
			float64(r.rows)/r.took.Seconds(), r.rss)
	}
	fmt.Fprintf(opts.Out, "| ceiling: one COPY of the same columns | %d | %d | %s | %.0f | – |\n", ceilRows, ceilBytes>>20,
		ceilTime.Round(time.Millisecond), float64(ceilRows)/ceilTime.Seconds())
	return nil
}

// prepareExport is prepare, with a user of its own for this run (exports are rate-limited per user), and
// the filters of about a thousand and about a hundred thousand customers, for comparison: those created on
// the days around the middle of the register (the filter takes whole days).
func prepareExport(ctx context.Context, opts Options) (dbURL, email, pw string, small, medium url.Values, err error) {
	dbURL, _, pw, err = prepare(ctx, opts)
	if err != nil {
		return
	}
	db, err := postgres.Open(ctx, dbURL)
	if err != nil {
		return
	}
	defer db.Close()
	sys := authz.WithActor(ctx, authz.System())
	run := time.Now().UnixNano()
	email = fmt.Sprintf("bench-export-%d@affar.example", run)
	// Users' names are unique too.
	err = ensureUser(sys, user.New(db, time.Now, nil), email, fmt.Sprintf("Benchmark exports %d", run), pw,
		authz.CustomerView, authz.CustomerExport)
	window := func(n int) (url.Values, error) {
		var from, to time.Time
		err := db.Pool.QueryRow(ctx, `SELECT min(d), max(d) FROM (SELECT (created_at AT TIME ZONE 'Europe/Stockholm')::date AS d
			FROM customers WHERE anonymised_at IS NULL ORDER BY created_at OFFSET (SELECT count(*) / 2 FROM customers) LIMIT $1) s`, n).Scan(&from, &to)
		return url.Values{"created_from": {from.Format(domain.DateLayout)}, "created_to": {to.Format(domain.DateLayout)}}, err
	}
	if err == nil {
		small, err = window(1000)
	}
	if err == nil {
		medium, err = window(100_000)
	}
	return
}

// timeCeilingCopy runs ceilingCopy on the database at dbURL: the rows and bytes it wrote and how long it took.
func timeCeilingCopy(ctx context.Context, dbURL string) (rows, size int64, took time.Duration, err error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, 0, 0, err
	}
	defer conn.Close(ctx)
	var out countingWriter
	start := time.Now()
	tag, err := conn.PgConn().CopyTo(ctx, &out, ceilingCopy)
	return tag.RowsAffected(), out.n, time.Since(start), err
}

// exportOnce starts a server, signs in, downloads one export and stops the server.
func exportOnce(ctx context.Context, opts Options, dbURL, email, pw, path string, form url.Values) (exportRun, error) {
	cmd, base, err := serve(ctx, opts, dbURL)
	if err != nil {
		return exportRun{}, err
	}
	defer stopServer(cmd)
	// No time-out, unlike newClient's: the whole register takes a while.
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if err := signIn(c, base, email, pw); err != nil {
		return exportRun{}, err
	}
	run := exportRun{rssAtStartup: peakRSS(cmd.Process.Pid)}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewBufferString(form.Encode()))
	if err != nil {
		return run, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return run, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return run, fmt.Errorf("status %d", resp.StatusCode)
	}
	var w countingWriter
	if _, err := io.Copy(&w, resp.Body); err != nil {
		return run, err
	}
	run.took, run.bytes, run.rows = time.Since(start), w.n, w.lines-1 // less the header
	run.rss = peakRSS(cmd.Process.Pid)
	if path == "/exports/register.xlsx" {
		run.rows, err = auditedRows(ctx, dbURL)
	}
	return run, err
}

// auditedRows is the row count of the newest export event (an XLSX has no lines to count).
func auditedRows(ctx context.Context, dbURL string) (int64, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	var n int64
	err = conn.QueryRow(ctx, `SELECT (details->>'rows')::bigint FROM audit_events WHERE action = 'export.register'
		ORDER BY id DESC LIMIT 1`).Scan(&n)
	return n, err
}

// countingWriter counts bytes and lines and keeps nothing.
type countingWriter struct{ n, lines int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	w.lines += int64(bytes.Count(p, []byte{'\n'}))
	return len(p), nil
}
