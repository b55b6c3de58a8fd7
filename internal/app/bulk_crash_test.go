package app_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/testutil"
)

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// affarBinary builds cmd/affar once for the tests that run it as a separate process.
func affarBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "affar-bin")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "affar")
		out, err := exec.Command("go", "build", "-o", binary, "github.com/affar/affar/cmd/affar").CombinedOutput()
		if err != nil {
			buildErr = err
			t.Log(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("build affar: %v", buildErr)
	}
	return binary
}

// server is `affar serve` running as its own process on the test's database.
type server struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func startServer(t *testing.T, env *testutil.Env, batch int) *server {
	t.Helper()
	cmd := exec.Command(affarBinary(t), "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+env.DBURL, "AFFAR_MIGRATE_URL="+env.OwnerURL, "ADDR=127.0.0.1:0",
		"AFFAR_ERASURE_SALT="+string(env.Config.ErasureSalt), "AFFAR_ERASURE_LEDGER="+env.Config.ErasureLedger,
		"AFFAR_BULK_BATCH="+strconv.Itoa(batch), "AFFAR_LOG_LEVEL=warn")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			t.Log("server:", sc.Text())
		}
		_ = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-s.done
	})
	return s
}

// kill ends the server as a crash would: SIGKILL, no shutdown.
func (s *server) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-s.done
}

// canaryCustomers inserts n customers whose every personal text field, and their contact person's,
// holds a canary string.
func canaryCustomers(t *testing.T, env *testutil.Env, n int) {
	t.Helper()
	ctx := context.Background()
	_, err := env.DB.Pool.Exec(ctx, `INSERT INTO customers (kind, name, id_number, email, phone, street, postal_code,
			city, country, notes, marketing_consent, created_at, updated_at, last_activity_at)
		SELECT 'company', 'canary' || g || 'name', 'canary' || g || 'idnumber', 'canary' || g || 'email',
			'canary' || g || 'phone', 'canary' || g || 'street', 'canary' || g || 'postal', 'canary' || g || 'city', 'SE',
			'canary' || g || 'notes', true, now(), now(), now()
		FROM generate_series(1, $1) g`, n)
	if err != nil {
		t.Fatal(err)
	}
	_, err = env.DB.Pool.Exec(ctx, `INSERT INTO customer_contacts (customer_id, name, role, email, phone)
		SELECT id, 'canary' || id || 'contact', 'canary' || id || 'role', 'canary' || id || 'cemail', 'canary' || id || 'cphone'
		FROM customers`)
	if err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond) // polling a condition, not a timing assertion
	}
}

func jobState(t *testing.T, env *testutil.Env, id int64) (status string, processed int) {
	t.Helper()
	j, err := postgres.BulkJob(context.Background(), env.DB.Pool, id)
	if err != nil {
		t.Fatal(err)
	}
	return string(j.Status), j.Processed
}

func startJob(t *testing.T, env *testutil.Env, total int) int64 {
	t.Helper()
	ctx := authz.WithActor(context.Background(), authz.System())
	j, err := env.Services.Bulk.Draft(ctx, domain.Segment{}, map[string]string{}, nil)
	if err != nil || j.Total != total {
		t.Fatalf("draft: %v, %d customers", err, j.Total)
	}
	if err := env.Services.Bulk.Confirm(ctx, j.ID, gdpr.ConfirmInput{Kind: domain.EraseAnonymise, Reason: "Rensning",
		Count: strconv.Itoa(total)}); err != nil {
		t.Fatal(err)
	}
	return j.ID
}

// checkJobDoneOnce checks the end state of an anonymise job: every customer anonymised, none half, one
// audit event each, the chain intact, the ledger settled, no canary in a data dump.
func checkJobDoneOnce(t *testing.T, env *testutil.Env, id int64, total int) {
	t.Helper()
	ctx := context.Background()
	one := func(sql string, args ...any) int {
		var n int
		if err := env.DB.Pool.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}
	if n := one(`SELECT count(*) FROM customers WHERE anonymised_at IS NOT NULL AND name LIKE 'Anonymiserad kund %'
		AND email = '' AND phone = '' AND street = '' AND notes = '' AND NOT marketing_consent`); n != total {
		t.Errorf("%d of %d customers fully anonymised", n, total)
	}
	if n := one(`SELECT count(*) FROM customer_contacts`); n != 0 {
		t.Errorf("%d contact persons left", n)
	}
	if n := one(`SELECT count(*) FROM bulk_job_items i WHERE i.job_id = $1 AND (i.outcome IS DISTINCT FROM 'anonymised' OR
		(SELECT count(*) FROM audit_events a WHERE a.entity_type = 'customer' AND a.entity_id = i.customer_id
			AND a.action = 'customer.anonymised') <> 1)`, id); n != 0 {
		t.Errorf("%d customers not anonymised exactly once by the job", n)
	}
	j, err := postgres.BulkJob(ctx, env.DB.Pool, id)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != "done" || j.Processed != total || j.Outcomes[domain.OutcomeAnonymised] != total {
		t.Errorf("the job's report: %s, %d processed, outcomes %v; want done with %d anonymised", j.Status, j.Processed, j.Outcomes, total)
	}
	if n := one(`SELECT coalesce(violations, -1) FROM bulk_jobs WHERE id = $1`, id); n != 0 {
		t.Errorf("the job's verification found %d customers with personal data (or did not run: -1)", n)
	}
	if _, err := audit.Verify(ctx, env.DB.Pool); err != nil {
		t.Errorf("audit chain: %v", err)
	}
	recs, err := env.Services.GDPR.Ledger.Records()
	if err != nil {
		t.Fatal(err)
	}
	ledgered := 0
	for _, r := range recs {
		if r.Outcome == "committed" {
			ledgered += len(r.Customers)
		}
	}
	if ledgered != total {
		t.Errorf("the ledger has %d customers in committed batches, want %d", ledgered, total)
	}
	dump := string(testutil.PGTool(t, "pg_dump", "--data-only", "--dbname="+env.DBURL))
	if m := regexp.MustCompile(`canary\d+[a-z]+`).FindAllString(dump, 5); len(m) > 0 {
		t.Errorf("the data dump still holds canaries, e.g. %v", m)
	}
}

// TestBulkJobSurvivesSIGKILL starts a job on 5,000 canary customers in a real server process, kills it
// with SIGKILL after some batches have committed, and lets a new server process finish the job.
func TestBulkJobSurvivesSIGKILL(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	const total = 5000
	canaryCustomers(t, env, total)
	first := startServer(t, env, 50)
	id := startJob(t, env, total)
	waitFor(t, "some batches to commit", 2*time.Minute, func() bool { _, p := jobState(t, env, id); return p >= 500 })
	first.kill(t)
	status, processed := jobState(t, env, id)
	if status == "done" || processed >= total {
		t.Fatalf("the job finished (%s, %d) before the kill: the test proves nothing", status, processed)
	}
	t.Logf("killed with %d of %d done", processed, total)

	startServer(t, env, 50)
	waitFor(t, "the new server to finish the job", 3*time.Minute, func() bool { s, _ := jobState(t, env, id); return s == "done" })
	checkJobDoneOnce(t, env, id, total)
}

// TestTwoServersShareAJob runs one job on two server processes at once: both work it, and each customer
// is done once.
func TestTwoServersShareAJob(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	const total = 3000
	canaryCustomers(t, env, total)
	startServer(t, env, 25)
	startServer(t, env, 25)
	id := startJob(t, env, total)
	waitFor(t, "the job to finish", 3*time.Minute, func() bool { s, _ := jobState(t, env, id); return s == "done" })
	checkJobDoneOnce(t, env, id, total)
	var workers []string
	rows, err := env.DB.Pool.Query(context.Background(), `SELECT DISTINCT split_part(worker, '/', 2) FROM bulk_job_items WHERE job_id = $1`, id)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			t.Fatal(err)
		}
		workers = append(workers, w)
	}
	if len(workers) != 2 {
		t.Errorf("worker processes: %s, want both servers", strings.Join(workers, ", "))
	}
}
