package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
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

// ceilingUpdate is the ceiling: one plain UPDATE (built from the field table) clearing the same customer columns the job
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
	email, pw, err := prepareBulk(ctx, opts)
	if err != nil {
		return err
	}
	jobDB, ceilDB := opts.Database+"_job", opts.Database+"_ceiling"
	if err := copyRegister(ctx, opts, jobDB, ceilDB); err != nil {
		return err
	}
	ceilRows, ceilTime, err := timeCeilingUpdate(ctx, postgres.WithDatabase(opts.ServerURL, ceilDB))
	if err != nil {
		return fmt.Errorf("ceiling: %w", err)
	}
	fmt.Fprintf(opts.Out, "ceiling: one UPDATE of %d customers in %s\n", ceilRows, ceilTime.Round(time.Millisecond))

	// The job path.
	jobURL := postgres.WithDatabase(opts.ServerURL, jobDB)
	opts.ServerEnv = append(slices.Clip(opts.ServerEnv), noRateLimit...) // for the page's four clients
	cmd, base, err := serve(ctx, opts, jobURL)
	if err != nil {
		return err
	}
	defer stopServer(cmd)
	c := newClient(1)
	if err := signIn(c, base, email, pw); err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, jobURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	job, idle, busy, err := startWhileViewed(ctx, c, conn, base, email, pw, opts.Out)
	if err != nil {
		return err
	}
	processed, jobTime, err := waitForBulkJob(ctx, conn, job, opts.Out)
	if err != nil {
		return err
	}
	if jobTime < pageWindow {
		return fmt.Errorf("the job took %s, less than the %s the page was timed during it", jobTime, pageWindow)
	}
	rss := peakRSS(cmd.Process.Pid)
	fmt.Fprintf(opts.Out, "\n%d customers, server peak RSS %s\n\n", job.total, rss)
	reportBulk(opts.Out, job, processed, jobTime, ceilRows, ceilTime)
	reportPage(opts.Out, idle, busy)
	if st, err := os.Stat(serverLog("server")); err == nil && st.Size() > 0 {
		fmt.Fprintf(opts.Out, "the server logged warnings: see %s\n", serverLog("server"))
	}
	return verifyChain(ctx, jobURL, opts.Out)
}

// copyRegister copies the benchmark's register to each of dsts.
func copyRegister(ctx context.Context, opts Options, dsts ...string) error {
	for _, dst := range dsts {
		start := time.Now()
		if err := copyDatabase(ctx, opts.ServerURL, opts.Database, dst); err != nil {
			return fmt.Errorf("copy to %s: %w", dst, err)
		}
		fmt.Fprintf(opts.Out, "copied the register to %s in %s\n", dst, time.Since(start).Round(time.Second))
	}
	return nil
}

// reportBulk prints the job's and the ceiling's rates.
func reportBulk(out io.Writer, job bulkRun, processed int, jobTime time.Duration, ceilRows int64, ceilTime time.Duration) {
	jobRate := float64(processed) / jobTime.Seconds()
	ceilRate := float64(ceilRows) / ceilTime.Seconds()
	fmt.Fprintf(out, "| path | customers | time | customers/s |\n|---|---:|---:|---:|\n")
	fmt.Fprintf(out, "| freeze the selection (POST /crm/bulk) | %d | %s | %.0f |\n", job.total, job.freeze.Round(time.Millisecond),
		float64(job.total)/job.freeze.Seconds())
	fmt.Fprintf(out, "| bulk job (confirm → done, verified) | %d | %s | %.0f |\n", processed, jobTime.Round(time.Millisecond), jobRate)
	alone := job.confirmed.Add(jobTime).Sub(job.aloneFrom)
	aloneRate := float64(processed-job.doneBefore) / alone.Seconds()
	fmt.Fprintf(out, "| the job after the page's %s, alone as the ceiling runs | %d | %s | %.0f |\n", pageWindow,
		processed-job.doneBefore, alone.Round(time.Millisecond), aloneRate)
	fmt.Fprintf(out, "| ceiling: one UPDATE of the customer columns | %d | %s | %.0f |\n", ceilRows, ceilTime.Round(time.Millisecond), ceilRate)
	fmt.Fprintf(out, "\njob/ceiling ratio: %.2f alone (target ≥ 0.5), %.2f over the whole job, which gave way to the page at first\n",
		aloneRate/ceilRate, jobRate/ceilRate)
}

// reportPage prints the customer page's latency idle and during the job, and their ratio.
func reportPage(out io.Writer, idle, busy Stats) {
	fmt.Fprintf(out, "\nthe customer page, %d clients, %s each:\n\n| | views | p50 | p99 |\n|---|---:|---:|---:|\n", viewers, pageWindow)
	for _, r := range []struct {
		name string
		s    Stats
	}{{"idle", idle}, {"during the bulk job", busy}} {
		fmt.Fprintf(out, "| %s | %d | %s | %s |\n", r.name, r.s.Count, ms(r.s.P50), ms(r.s.P99))
	}
	fmt.Fprintf(out, "\np99 during the job / idle: %.2f (target ≤ 2)\n", float64(busy.P99)/float64(idle.P99))
}

// pageWindow is how long the customer page is timed, idle and then while the job runs; a job of the whole
// register takes longer.
const pageWindow = 15 * time.Second

// startWhileViewed times the customer page idle, then starts the bulk job and times the page during it.
func startWhileViewed(ctx context.Context, c *http.Client, conn *pgx.Conn, base, email, pw string, out io.Writer) (bulkRun, Stats, Stats, error) {
	clients, page, err := pageViewers(ctx, conn, base, email, pw)
	if err != nil {
		return bulkRun{}, Stats{}, Stats{}, err
	}
	idle := drive(ctx, base, clients, page, pageWindow)[0]
	job, err := startBulkJob(ctx, c, base, conn, out)
	if err != nil {
		return bulkRun{}, Stats{}, Stats{}, err
	}
	busy := drive(ctx, base, clients, page, pageWindow)[0]
	j, err := postgres.BulkJob(ctx, conn, job.id)
	if err != nil {
		return bulkRun{}, Stats{}, Stats{}, err
	}
	job.aloneFrom, job.doneBefore = time.Now(), j.Processed
	return job, idle, busy, nil
}

// viewers is how many clients ask for the customer page during the bulk job.
const viewers = 4

// pageViewers are four signed-in clients and the customer page of the register at conn for them to ask.
func pageViewers(ctx context.Context, conn *pgx.Conn, base, email, pw string) ([]*http.Client, []request, error) {
	var maxID int64
	if err := conn.QueryRow(ctx, `SELECT max(id) FROM customers`).Scan(&maxID); err != nil {
		return nil, nil, err
	}
	clients, err := signedInClients(base, email, pw, viewers)
	return clients, []request{customerPage(maxID)}, err
}

// prepareBulk is prepare, with the benchmark user also given the rights of a bulk erasure.
func prepareBulk(ctx context.Context, opts Options) (email, pw string, err error) {
	srcURL, email, pw, err := prepare(ctx, opts)
	if err != nil {
		return "", "", err
	}
	db, err := postgres.Open(ctx, srcURL)
	if err != nil {
		return "", "", err
	}
	defer db.Close()
	sys := authz.WithActor(ctx, authz.System())
	return email, pw, ensureUser(sys, user.New(db, time.Now, nil), email, "Benchmark", pw, authz.CustomerBulkErase, authz.CustomerAnonymise)
}

// timeCeilingUpdate runs ceilingUpdate on the database at dbURL: the rows it changed and how long it took.
func timeCeilingUpdate(ctx context.Context, dbURL string) (int64, time.Duration, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close(ctx)
	start := time.Now()
	tag, err := conn.Exec(ctx, ceilingUpdate)
	return tag.RowsAffected(), time.Since(start), err
}

// bulkRun is a confirmed bulk job: its id, size, how long freezing its selection took, when it was
// confirmed, and when the customer page stopped being asked during it, with the customers done by then.
type bulkRun struct {
	id         int64
	total      int
	freeze     time.Duration
	confirmed  time.Time
	aloneFrom  time.Time
	doneBefore int
}

// startBulkJob freezes a selection of every customer not yet anonymised and confirms its anonymisation.
func startBulkJob(ctx context.Context, c *http.Client, base string, conn *pgx.Conn, out io.Writer) (bulkRun, error) {
	start := time.Now()
	resp, err := c.PostForm(base+"/crm/bulk", url.Values{"anonymised": {"no"}, "all": {"yes"}})
	if err != nil {
		return bulkRun{}, err
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/bulk-jobs/") {
		return bulkRun{}, fmt.Errorf("freezing the selection: %d %s", resp.StatusCode, loc)
	}
	job := bulkRun{freeze: time.Since(start)}
	job.id, _ = strconv.ParseInt(strings.TrimPrefix(loc, "/bulk-jobs/"), 10, 64)
	if err := conn.QueryRow(ctx, `SELECT total FROM bulk_jobs WHERE id = $1`, job.id).Scan(&job.total); err != nil {
		return bulkRun{}, err
	}
	fmt.Fprintf(out, "froze a selection of %d customers in %s; confirming …\n", job.total, job.freeze.Round(time.Millisecond))
	resp, err = c.PostForm(base+loc+"/confirm", url.Values{"kind": {"anonymise"}, "reason": {"make bench-bulk"},
		"count": {strconv.Itoa(job.total)}})
	if err != nil {
		return bulkRun{}, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return bulkRun{}, fmt.Errorf("confirming: %d", resp.StatusCode)
	}
	job.confirmed = time.Now()
	return job, nil
}

// waitForBulkJob waits until job is done, reporting progress now and then: the customers it processed and
// how long after its confirmation it finished. A job that ends otherwise, or with violations, is an error.
func waitForBulkJob(ctx context.Context, conn *pgx.Conn, job bulkRun, out io.Writer) (int, time.Duration, error) {
	lastReport := time.Now()
	for {
		j, err := postgres.BulkJob(ctx, conn, job.id)
		if err != nil {
			return 0, 0, err
		}
		if j.Status == domain.BulkDone || j.Status == domain.BulkCancelled {
			took := time.Since(job.confirmed)
			if j.Status != domain.BulkDone || j.Violations == nil || *j.Violations != 0 {
				return 0, 0, fmt.Errorf("the job did not finish cleanly: %s", j.Status)
			}
			return j.Processed, took, nil
		}
		if ctx.Err() != nil {
			return 0, 0, ctx.Err()
		}
		if time.Since(lastReport) > 15*time.Second {
			lastReport = time.Now()
			fmt.Fprintf(out, "  %d of %d after %s\n", j.Processed, job.total, time.Since(job.confirmed).Round(time.Second))
		}
		time.Sleep(200 * time.Millisecond)
	}
}
