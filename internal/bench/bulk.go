package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/user"
)

// copyDatabase makes dst a fresh copy of src (CREATE DATABASE … TEMPLATE: a file copy).
func copyDatabase(ctx context.Context, serverURL, src, dst string) error {
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{dst}.Sanitize()+" WITH (FORCE)"); err != nil {
		return err
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{dst}.Sanitize()+" TEMPLATE "+pgx.Identifier{src}.Sanitize())
	return err
}

// ceilingUpdate is the hand-written ceiling: one statement clearing the same customer columns the job
// clears (it does none of the rest: contacts, quotes, audit events, register, ledger, verification).
var ceilingUpdate = ceilingUpdateSQL()

// ceilingUpdateSQL writes ceilingUpdate from the inventory. Without customers in it the statement is one
// PostgreSQL refuses, and the benchmark says so.
func ceilingUpdateSQL() string {
	set, _ := postgres.CustomerClearSet(gdpr.Inventory)
	return `UPDATE customers SET ` + set + `, anonymised_at = now(), updated_at = now(), version = version + 1
		WHERE anonymised_at IS NULL`
}

// RunBulk is make bench-bulk: it anonymises every customer of a seeded register through the real job
// path (a server process, the CRM screen's bulk action, river workers) and, on an identical copy, times
// the ceiling statement, then prints both rates, their ratio and the server's peak RSS.
func RunBulk(ctx context.Context, opts Options) error {
	srcURL, email, pw, err := prepare(ctx, opts)
	if err != nil {
		return err
	}
	db, err := postgres.Open(ctx, srcURL)
	if err != nil {
		return err
	}
	sys := authz.WithActor(ctx, authz.System())
	err = ensureUser(sys, user.New(db, time.Now, nil), email, "Benchmark", pw, authz.CustomerBulkErase, authz.CustomerAnonymise)
	db.Close()
	if err != nil {
		return err
	}
	jobDB, ceilDB := opts.Database+"_job", opts.Database+"_ceiling"
	for _, dst := range []string{jobDB, ceilDB} {
		start := time.Now()
		if err := copyDatabase(ctx, opts.ServerURL, opts.Database, dst); err != nil {
			return fmt.Errorf("copy to %s: %w", dst, err)
		}
		fmt.Fprintf(opts.Out, "copied the register to %s in %s\n", dst, time.Since(start).Round(time.Second))
	}

	// The ceiling.
	conn, err := pgx.Connect(ctx, postgres.WithDatabase(opts.ServerURL, ceilDB))
	if err != nil {
		return err
	}
	start := time.Now()
	tag, err := conn.Exec(ctx, ceilingUpdate)
	ceilTime := time.Since(start)
	conn.Close(ctx)
	if err != nil {
		return fmt.Errorf("ceiling: %w", err)
	}
	ceilRows := tag.RowsAffected()
	fmt.Fprintf(opts.Out, "ceiling: one UPDATE of %d customers in %s\n", ceilRows, ceilTime.Round(time.Millisecond))

	// The job path.
	jobURL := postgres.WithDatabase(opts.ServerURL, jobDB)
	cmd, base, err := serve(ctx, opts, jobURL)
	if err != nil {
		return err
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	c := newClient(1)
	resp, err := c.PostForm(base+"/signin", url.Values{"email": {email}, "password": {pw}})
	if err != nil {
		return err
	}
	resp.Body.Close()
	start = time.Now()
	resp, err = c.PostForm(base+"/crm/bulk", url.Values{"anonymised": {"no"}, "all": {"yes"}})
	if err != nil {
		return err
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/bulk-jobs/") {
		return fmt.Errorf("freezing the selection: %d %s", resp.StatusCode, loc)
	}
	freeze := time.Since(start)
	jobID, _ := strconv.ParseInt(strings.TrimPrefix(loc, "/bulk-jobs/"), 10, 64)
	conn, err = pgx.Connect(ctx, jobURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var total int
	if err := conn.QueryRow(ctx, `SELECT total FROM bulk_jobs WHERE id = $1`, jobID).Scan(&total); err != nil {
		return err
	}
	fmt.Fprintf(opts.Out, "froze a selection of %d customers in %s; confirming …\n", total, freeze.Round(time.Millisecond))
	resp, err = c.PostForm(base+loc+"/confirm", url.Values{"kind": {"anonymise"}, "reason": {"make bench-bulk"},
		"count": {strconv.Itoa(total)}})
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("confirming: %d", resp.StatusCode)
	}
	confirmed := time.Now()
	var (
		status     string
		processed  int
		violations *int
	)
	lastReport := time.Now()
	for {
		j, err := postgres.BulkJob(ctx, conn, jobID)
		if err != nil {
			return err
		}
		status, processed, violations = j.Status, j.Processed, j.Violations
		if status == "done" || status == "cancelled" {
			break
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Since(lastReport) > 15*time.Second {
			lastReport = time.Now()
			fmt.Fprintf(opts.Out, "  %d of %d after %s\n", processed, total, time.Since(confirmed).Round(time.Second))
		}
		time.Sleep(200 * time.Millisecond)
	}
	jobTime := time.Since(confirmed)
	rss := peakRSS(cmd.Process.Pid)
	if status != "done" || violations == nil || *violations != 0 {
		return errors.New("the job did not finish cleanly: " + status)
	}
	jobRate := float64(processed) / jobTime.Seconds()
	ceilRate := float64(ceilRows) / ceilTime.Seconds()
	fmt.Fprintf(opts.Out, "\n%d customers, server peak RSS %s\n\n", total, rss)
	fmt.Fprintf(opts.Out, "| path | customers | time | customers/s |\n|---|---:|---:|---:|\n")
	fmt.Fprintf(opts.Out, "| freeze the selection (POST /crm/bulk) | %d | %s | %.0f |\n", total, freeze.Round(time.Millisecond),
		float64(total)/freeze.Seconds())
	fmt.Fprintf(opts.Out, "| bulk job (confirm → done, verified) | %d | %s | %.0f |\n", processed, jobTime.Round(time.Millisecond), jobRate)
	fmt.Fprintf(opts.Out, "| ceiling: one UPDATE of the customer columns | %d | %s | %.0f |\n", ceilRows, ceilTime.Round(time.Millisecond), ceilRate)
	fmt.Fprintf(opts.Out, "\njob/ceiling ratio: %.2f (target ≥ 0.33)\n", jobRate/ceilRate)
	if st, err := os.Stat(filepath.Join(os.TempDir(), "affar-bench-server.log")); err == nil && st.Size() > 0 {
		fmt.Fprintf(opts.Out, "the server logged warnings: see %s\n", filepath.Join(os.TempDir(), "affar-bench-server.log"))
	}
	return nil
}
