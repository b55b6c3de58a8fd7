package gdpr_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/testutil"
)

// everyCustomerOnce checks that each customer of job id has an outcome and that every erased one has
// exactly one erasure audit event from the job.
func everyCustomerOnce(t *testing.T, e *testutil.Env, id int64) {
	t.Helper()
	if n := count(t, e, `SELECT count(*) FROM bulk_job_items WHERE job_id = $1 AND outcome IS NULL`, id); n != 0 {
		t.Errorf("%d customers left without an outcome", n)
	}
	if n := count(t, e, `SELECT count(*) FROM bulk_job_items i WHERE i.job_id = $1 AND i.outcome IN ('anonymised', 'deleted')
		AND (SELECT count(*) FROM audit_events a WHERE a.entity_type = 'customer' AND a.entity_id = i.customer_id
			AND a.action IN ('customer.anonymised', 'customer.deleted') AND a.details->>'bulk_job_id' = $1::text) <> 1`, id); n != 0 {
		t.Errorf("%d erased customers do not have exactly one erasure event", n)
	}
	verifyChain(t, e)
}

func TestBulkDeleteSkipsRetainedAndAnonymisedAndVerifies(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	ctx := sys()
	var retained, old []domain.Customer
	for i := range 3 {
		retained = append(retained, e.MustCreateRichCustomer(t, fmt.Sprintf("Behållen %d AB", i), 2*year))
		old = append(old, e.MustCreateRichCustomer(t, fmt.Sprintf("Gammal %d AB", i), 9*year))
	}
	for i := range 4 {
		e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: fmt.Sprintf("Person %d", i), Email: fmt.Sprintf("p%d@example.se", i)})
	}
	_, err := e.Services.GDPR.Anonymise(ctx, old[0].ID, gdpr.Input{Confirm: fmt.Sprint(old[0].Number), Reason: "Tidigare"})
	must(t, err)

	b := e.Services.Bulk
	j, err := b.Draft(ctx, domain.Segment{}, map[string]string{}, nil)
	must(t, err)
	if j.Total != 10 {
		t.Fatalf("frozen %d customers, want 10", j.Total)
	}
	// A customer created after the freeze is not in the job.
	late := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Sen Kund"})
	_, p, _, err := b.Job(ctx, j.ID)
	must(t, err)
	if p.Total != 10 || p.Anonymised != 1 || p.UnderRetention != 3 || p.HeldQuotes != 3 || len(p.Holds) != 1 {
		t.Fatalf("preview: %+v", p)
	}
	must(t, b.Confirm(ctx, j.ID, gdpr.ConfirmInput{Kind: domain.EraseDelete, OnRetention: "skip", Reason: "Rensning 2026"}))
	must(t, b.Run(context.Background(), j.ID))

	j, _, _, err = b.Job(ctx, j.ID)
	must(t, err)
	want := map[string]int{domain.OutcomeDeleted: 7, domain.OutcomeSkippedRetention: 3}
	if j.Status != "done" || j.Processed != 10 || j.Outcomes[domain.OutcomeDeleted] != want[domain.OutcomeDeleted] ||
		j.Outcomes[domain.OutcomeSkippedRetention] != want[domain.OutcomeSkippedRetention] {
		t.Fatalf("job: %s, %d processed, outcomes %v; want done, 10, %v", j.Status, j.Processed, j.Outcomes, want)
	}
	if j.Violations == nil || *j.Violations != 0 || j.VerifiedAt == nil {
		t.Errorf("verification: %v", j.Violations)
	}
	for _, c := range retained {
		if count(t, e, `SELECT count(*) FROM customers WHERE id = $1 AND anonymised_at IS NULL`, c.ID) != 1 {
			t.Errorf("retained customer %d was touched", c.Number)
		}
	}
	if count(t, e, `SELECT count(*) FROM customers WHERE id = $1`, late.ID) != 1 {
		t.Error("a customer created after the freeze was erased")
	}
	if count(t, e, `SELECT count(*) FROM erasures WHERE job_id = $1 AND (bulk_job_sum(job_id, 'counts')->>'contacts')::int = 4`, j.ID) != 1 {
		t.Error("the job's register entry does not count the 4 removed contact persons")
	}
	everyCustomerOnce(t, e, j.ID)
}

func TestBulkAnonymiseInsteadKeepsHolds(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	ctx := sys()
	c := e.MustCreateRichCustomer(t, "Kvar AB", 2*year)
	b := e.Services.Bulk
	j, err := b.Draft(ctx, domain.Segment{}, map[string]string{}, []domain.CustomerID{c.ID})
	must(t, err)
	must(t, b.Confirm(ctx, j.ID, gdpr.ConfirmInput{Kind: domain.EraseDelete, OnRetention: "anonymise", Reason: "Rensning"}))
	must(t, b.Run(context.Background(), j.ID))
	j, _, _, err = b.Job(ctx, j.ID)
	must(t, err)
	if j.Outcomes[domain.OutcomeAnonymised] != 1 || *j.Violations != 0 {
		t.Fatalf("outcomes %v, violations %v", j.Outcomes, *j.Violations)
	}
	if count(t, e, `SELECT count(*) FROM quotes WHERE customer_id = $1 AND held_until IS NOT NULL AND billing_name = 'Kvar AB'`, c.ID) != 1 {
		t.Error("the held quote's snapshot was not kept")
	}
	if count(t, e, `SELECT count(*) FROM erasures WHERE job_id = $1 AND bulk_job_sum(job_id, 'held') <> '{}'`, j.ID) != 1 {
		t.Error("the register entry does not show the hold")
	}
}

func TestTwoWorkersDoEachCustomerOnce(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	ctx := sys()
	for i := range 300 {
		e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Kund " + strconv.Itoa(i)})
	}
	b := e.Services.Bulk
	j, err := b.Draft(ctx, domain.Segment{Kind: domain.Person}, map[string]string{"kind": "person"}, nil)
	must(t, err)
	must(t, b.Confirm(ctx, j.ID, gdpr.ConfirmInput{Kind: domain.EraseAnonymise, Reason: "Rensning", Count: "300"}))
	var wg sync.WaitGroup
	for _, name := range []string{"one", "two"} {
		w := *b
		w.BatchSize, w.Worker = 7, name
		wg.Go(func() {
			if err := w.Run(context.Background(), j.ID); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	everyCustomerOnce(t, e, j.ID)
	j, _, _, err = b.Job(ctx, j.ID)
	must(t, err)
	if j.Status != "done" || j.Processed != 300 || j.Outcomes[domain.OutcomeAnonymised] != 300 {
		t.Errorf("job: %s, %d processed, outcomes %v; want done, 300, all anonymised by one worker or the other", j.Status, j.Processed, j.Outcomes)
	}
	if n := count(t, e, `SELECT count(DISTINCT worker) FROM bulk_job_items WHERE job_id = $1`, j.ID); n != 2 {
		t.Errorf("%d workers shared the job, want 2", n)
	}
	if n := count(t, e, `SELECT count(*) FROM customers WHERE anonymised_at IS NOT NULL`); n != 300 {
		t.Errorf("%d anonymised, want 300", n)
	}
}

func TestBulkConfirmNeedsTheCountAbove100AndCancelStops(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	ctx := sys()
	for i := range 101 {
		e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Kund " + strconv.Itoa(i)})
	}
	b := e.Services.Bulk
	j, err := b.Draft(ctx, domain.Segment{}, map[string]string{}, nil)
	must(t, err)
	err = b.Confirm(ctx, j.ID, gdpr.ConfirmInput{Kind: domain.EraseAnonymise, Reason: "Rensning", Count: "100"})
	if fe, ok := err.(domain.FieldErrors); !ok || fe["count"] == "" {
		t.Fatalf("wrong count typed: %v", err)
	}
	must(t, b.Confirm(ctx, j.ID, gdpr.ConfirmInput{Kind: domain.EraseAnonymise, Reason: "Rensning", Count: "101"}))
	must(t, b.Cancel(ctx, j.ID))
	must(t, b.Run(context.Background(), j.ID))
	j, _, _, err = b.Job(ctx, j.ID)
	must(t, err)
	if j.Status != "cancelled" || j.Processed != 0 || count(t, e, `SELECT count(*) FROM customers WHERE anonymised_at IS NOT NULL`) != 0 {
		t.Fatalf("cancelled before it ran: %s, %d processed", j.Status, j.Processed)
	}
}

// TestBulkBatchWithSharedContactDetails: customers of one batch may share an e-mail or phone (the
// suppression list keeps one hash); the batch must still go through as one transaction, not fall back to
// one customer at a time.
func TestBulkBatchWithSharedContactDetails(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	ctx := sys()
	for i := range 10 {
		e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Familj " + strconv.Itoa(i),
			Email: "familjen@example.se", Phone: "070-555 11 22"})
	}
	b := *e.Services.Bulk
	b.BatchSize = 10
	j, err := b.Draft(ctx, domain.Segment{}, map[string]string{}, nil)
	must(t, err)
	must(t, b.Confirm(ctx, j.ID, gdpr.ConfirmInput{Kind: domain.EraseDelete, OnRetention: "skip", Reason: "Rensning"}))
	must(t, b.Run(context.Background(), j.ID))
	if n := count(t, e, `SELECT count(*) FROM erasure_batches WHERE job_id = $1`, j.ID); n != 1 {
		t.Errorf("%d batches for 10 customers with batch size 10: the batch failed and fell back to one at a time", n)
	}
	everyCustomerOnce(t, e, j.ID)
}

// TestBulkGivesWayAfterEachBatch: a worker offers to give way (Yield, the server's pace.Gauge) after
// every batch, with the time the batch took, so a job does not take the cores pages need.
func TestBulkGivesWayAfterEachBatch(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	ctx := sys()
	for i := range 25 {
		e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Kund " + strconv.Itoa(i)})
	}
	b := *e.Services.Bulk
	b.BatchSize = 10
	var worked []time.Duration
	b.Yield = func(_ context.Context, d time.Duration) { worked = append(worked, d) }
	j, err := b.Draft(ctx, domain.Segment{}, map[string]string{}, nil)
	must(t, err)
	must(t, b.Confirm(ctx, j.ID, gdpr.ConfirmInput{Kind: domain.EraseDelete, OnRetention: "skip", Reason: "Rensning", Count: "25"}))
	must(t, b.Run(context.Background(), j.ID))
	if len(worked) != 3 {
		t.Fatalf("gave way %d times for 3 batches", len(worked))
	}
	for _, d := range worked {
		if d <= 0 {
			t.Errorf("a batch offered to give way after %s of work", d)
		}
	}
	everyCustomerOnce(t, e, j.ID)
}

// TestCancelWaitsForTheRunningBatch: a worker that sees the cancellation ends the job only after another
// worker's batch in progress has committed, and the report counts that batch.
func TestCancelWaitsForTheRunningBatch(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	ctx := sys()
	var first domain.Customer
	for i := range 20 {
		c := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Kund " + strconv.Itoa(i)})
		if i == 0 {
			first = c
		}
	}
	b := *e.Services.Bulk
	b.BatchSize = 10
	j, err := b.Draft(ctx, domain.Segment{}, map[string]string{}, nil)
	must(t, err)
	must(t, b.Confirm(ctx, j.ID, gdpr.ConfirmInput{Kind: domain.EraseAnonymise, Reason: "Rensning"}))

	// Hold the first customer locked, so worker A's first batch waits in the middle of its transaction.
	bg := context.Background()
	hold, err := e.DB.Pool.Begin(bg)
	must(t, err)
	// A failure below must not leave the lock held: the pool's close would wait for it until the test binary
	// times out (seen once), hiding the failure's message.
	t.Cleanup(func() { _ = hold.Rollback(bg) })
	_, err = hold.Exec(bg, `SELECT 1 FROM customers WHERE id = $1 FOR UPDATE`, first.ID)
	must(t, err)
	aDone := make(chan error, 1)
	go func() { aDone <- b.Run(bg, j.ID) }()
	// pg_locks shows the whole cluster, where other packages' tests run in their own databases: only
	// this test's database counts.
	const here = ` AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`
	waitUntil(t, func() bool {
		return count(t, e, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND mode = 'ShareLock' AND granted`+here) == 1
	})
	must(t, b.Cancel(ctx, j.ID))
	bDone := make(chan error, 1)
	go func() { bDone <- b.Run(bg, j.ID) }()
	waitUntil(t, func() bool {
		return count(t, e, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND mode = 'ExclusiveLock' AND NOT granted`+here) == 1
	})
	must(t, hold.Rollback(bg))
	must(t, <-aDone)
	must(t, <-bDone)

	j, _, _, err = b.Job(ctx, j.ID)
	must(t, err)
	done := count(t, e, `SELECT count(*) FROM customers WHERE anonymised_at IS NOT NULL`)
	if j.Status != "cancelled" || done != 10 || j.Processed != 10 || j.Outcomes[domain.OutcomeAnonymised] != 10 {
		t.Fatalf("after cancelling during a batch: %s, %d processed, outcomes %v, %d anonymised; want cancelled and the batch of 10 counted",
			j.Status, j.Processed, j.Outcomes, done)
	}
	if j.Violations == nil || *j.Violations != 0 {
		t.Error("the cancelled job's customers were not verified")
	}
}

// waitUntil polls cond (a state of the database other goroutines move to), failing after a minute.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond) // polling, not a timing assertion
	}
}

// TestConfirmTakesOutCustomersThatChanged: a customer who stopped matching the filter after the preview
// is taken out of the selection at confirmation, and the user is asked to confirm again.
func TestConfirmTakesOutCustomersThatChanged(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	ctx := sys()
	var changed domain.Customer
	for i := range 3 {
		changed = e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Kund " + strconv.Itoa(i)})
	}
	b := e.Services.Bulk
	j, err := b.Draft(ctx, domain.Segment{Kind: domain.Person}, map[string]string{"kind": "person"}, nil)
	must(t, err)
	_, err = e.DB.Pool.Exec(context.Background(), `UPDATE customers SET kind = 'company' WHERE id = $1`, changed.ID)
	must(t, err)
	in := gdpr.ConfirmInput{Kind: domain.EraseAnonymise, Reason: "Rensning"}
	var sc *gdpr.SelectionChanged
	if err := b.Confirm(ctx, j.ID, in); !errors.As(err, &sc) || sc.Removed != 1 {
		t.Fatalf("confirm after a customer changed: %v, want SelectionChanged with 1", err)
	}
	must(t, b.Confirm(ctx, j.ID, in))
	must(t, b.Run(context.Background(), j.ID))
	if count(t, e, `SELECT count(*) FROM customers WHERE id = $1 AND anonymised_at IS NULL`, changed.ID) != 1 {
		t.Error("the customer who no longer matched was anonymised")
	}
	if count(t, e, `SELECT count(*) FROM customers WHERE anonymised_at IS NOT NULL`) != 2 {
		t.Error("the others were not anonymised")
	}
}

// TestReplayOfABulkBatch: after restoring a backup taken before a bulk job, the replay erases its
// customers again (each with its own kind), restores the job's register entry and counts each batch once.
func TestReplayOfABulkBatch(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	ctx := sys()
	held := e.MustCreateRichCustomer(t, "Hållen AB", 2*year)
	plain := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Enkel Kund", Email: "enkel@example.se"})
	dump := backup(t, e)
	b := e.Services.Bulk
	j, err := b.Draft(ctx, domain.Segment{}, map[string]string{}, nil)
	must(t, err)
	must(t, b.Confirm(ctx, j.ID, gdpr.ConfirmInput{Kind: domain.EraseDelete, OnRetention: "anonymise", Reason: "Rensning"}))
	must(t, b.Run(context.Background(), j.ID))
	after := snapshot(t, e)
	registerAfter := count(t, e, `SELECT (bulk_job_sum(job_id, 'counts')->>'contacts')::int FROM erasures WHERE job_id = $1`, j.ID)

	restore(t, e, dump)
	res, err := e.Services.GDPR.Replay(ctx)
	must(t, err)
	if res.Customers != 2 {
		t.Fatalf("replay: %+v, want 2 customers", res)
	}
	if count(t, e, `SELECT count(*) FROM customers WHERE id = $1`, plain.ID) != 0 ||
		count(t, e, `SELECT count(*) FROM customers WHERE id = $1 AND anonymised_at IS NOT NULL`, held.ID) != 1 {
		t.Error("replay: want the plain customer deleted and the held one anonymised, as the job did")
	}
	_, err = e.Services.GDPR.Replay(ctx)
	must(t, err)
	if got := count(t, e, `SELECT (bulk_job_sum(job_id, 'counts')->>'contacts')::int FROM erasures WHERE job_id = $1`, j.ID); got != registerAfter {
		t.Errorf("register counts after two replays: %d contacts, want %d", got, registerAfter)
	}
	if got := snapshot(t, e); got != after {
		t.Errorf("state after replay differs from the state after the job:\nwant %s\ngot  %s", after, got)
	}
}

// TestRunHandsOverAfterItsTimeSlice: one execution stops after its time slice with ErrTimeSlice (its
// river work comes back at once) and the next goes on where it stopped, so no execution outlives river's
// rescue of stuck jobs.
func TestRunHandsOverAfterItsTimeSlice(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	ctx := sys()
	for i := range 30 {
		e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Kund " + strconv.Itoa(i)})
	}
	b := *e.Services.Bulk
	b.BatchSize, b.Slice = 10, time.Nanosecond
	j, err := b.Draft(ctx, domain.Segment{}, map[string]string{}, nil)
	must(t, err)
	must(t, b.Confirm(ctx, j.ID, gdpr.ConfirmInput{Kind: domain.EraseAnonymise, Reason: "Rensning"}))
	runs := 0
	for {
		runs++
		err := b.Run(context.Background(), j.ID)
		if err == nil {
			break
		}
		if !errors.Is(err, gdpr.ErrTimeSlice) || runs > 10 {
			t.Fatalf("run %d: %v", runs, err)
		}
		if n := count(t, e, `SELECT count(*) FROM customers WHERE anonymised_at IS NOT NULL`); n != 10*runs {
			t.Fatalf("after %d slices of one batch: %d anonymised, want %d", runs, n, 10*runs)
		}
	}
	everyCustomerOnce(t, e, j.ID)
	if count(t, e, `SELECT count(*) FROM bulk_jobs WHERE id = $1 AND status = 'done'`, j.ID) != 1 {
		t.Error("the job did not end")
	}
}

// TestBulkFailsACustomerTheDatabaseRefuses: when the database refuses one customer's erasure for its data
// (bad values, a constraint, a rule), the batch is done one customer at a time, that customer is marked
// failed with why and the others are erased; any other error is not the customer's, and the job's work
// stops to be retried, leaving the customer pending.
func TestBulkFailsACustomerTheDatabaseRefuses(t *testing.T) {
	for _, tc := range []struct{ code, key string }{
		{"22023", "bulk.error.data"}, {"23514", "bulk.error.constraint"}, {"P0001", "bulk.error.refused"}, {"XX000", ""},
	} {
		t.Run(tc.code, func(t *testing.T) {
			e := testutil.NewEnv(t, nil)
			ctx := sys()
			var refused domain.Customer
			for i := range 5 {
				c := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Kund " + strconv.Itoa(i)})
				if i == 2 {
					refused = c
				}
			}
			owner := e.Owner(t) // the server's role may create neither functions nor triggers
			_, err := owner.Pool.Exec(context.Background(), `CREATE FUNCTION refuse_customer() RETURNS trigger LANGUAGE plpgsql AS
				$$ BEGIN RAISE EXCEPTION 'refused' USING ERRCODE = '`+tc.code+`'; END $$`)
			must(t, err)
			_, err = owner.Pool.Exec(context.Background(), `CREATE TRIGGER refuse_customer BEFORE UPDATE ON customers FOR EACH ROW
				WHEN (OLD.number = `+strconv.FormatInt(refused.Number, 10)+`) EXECUTE FUNCTION refuse_customer()`)
			must(t, err)
			b := e.Services.Bulk
			j, err := b.Draft(ctx, domain.Segment{Kind: domain.Person}, map[string]string{"kind": "person"}, nil)
			must(t, err)
			must(t, b.Confirm(ctx, j.ID, gdpr.ConfirmInput{Kind: domain.EraseAnonymise, Reason: "Rensning"}))
			err = b.Run(context.Background(), j.ID)
			if tc.key == "" {
				if err == nil || count(t, e, `SELECT count(*) FROM bulk_job_items WHERE job_id = $1 AND customer_id = $2 AND outcome IS NULL`,
					j.ID, refused.ID) != 1 || count(t, e, `SELECT count(*) FROM bulk_job_items WHERE outcome = 'failed'`) != 0 {
					t.Fatalf("an error not the customer's: %v, want it returned and the customer left pending", err)
				}
				return
			}
			must(t, err)
			j, _, fails, err := b.Job(ctx, j.ID)
			must(t, err)
			if j.Status != "done" || j.Outcomes[domain.OutcomeAnonymised] != 4 || j.Outcomes[domain.OutcomeFailed] != 1 {
				t.Errorf("job: %s, outcomes %v; want done, 4 anonymised and 1 failed", j.Status, j.Outcomes)
			}
			if len(fails) != 1 || fails[0].CustomerNumber != refused.Number || fails[0].Error != tc.key {
				t.Errorf("failures %v, want customer %d: %s", fails, refused.Number, tc.key)
			}
		})
	}
}
