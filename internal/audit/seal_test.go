package audit_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/testutil/pgtest"
)

// An append no longer waits for another transaction's: one left open does not hold up the next, whose
// event is sealed first although its id is the higher, as it committed first.
func TestAppendsDoNotWaitForEachOther(t *testing.T) {
	db, _ := pgtest.New(t)
	ctx := context.Background()
	open, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer open.Rollback(ctx)
	if err := audit.Record(ctx, open, audit.Event(time.Now(), authz.System(), "test.slow", "", nil, nil)); err != nil {
		t.Fatal(err)
	}
	// Before the sealer, this append waited on the chain's lock until the open transaction ended.
	quick, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err = db.InTx(quick, func(tx pgx.Tx) error {
		return audit.Record(quick, tx, audit.Event(time.Now(), authz.System(), "test.quick", "", nil, nil))
	})
	if err != nil {
		t.Fatalf("the second append waited for the open transaction: %v", err)
	}
	if res, err := audit.Verify(ctx, db.Pool); err != nil || res.Events != 1 || res.Unsealed != 0 {
		t.Fatalf("with one transaction open: %d events (%d unsealed), %v; want the committed one", res.Events, res.Unsealed, err)
	}
	if err := open.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if res, err := audit.Verify(ctx, db.Pool); err != nil || res.Events != 2 {
		t.Fatalf("after the commit: %d events, %v", res.Events, err)
	}
	rows, _ := db.Pool.Query(ctx, `SELECT e.action FROM audit_seals s JOIN audit_events e ON e.id = s.event_id ORDER BY s.seq`)
	order, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || strings.Join(order, ",") != "test.quick,test.slow" {
		t.Fatalf("chain order %v, %v; want the quick event, committed first, first", order, err)
	}
}

// Sealers on several servers at once make one chain: each event sealed exactly once.
func TestConcurrentSealersMakeOneChain(t *testing.T) {
	db, _ := pgtest.New(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 4 {
		wg.Go(func() {
			for range 25 {
				if err := db.InTx(ctx, func(tx pgx.Tx) error {
					return audit.Record(ctx, tx, audit.Event(time.Now(), authz.System(), "test.a", "", nil, nil),
						audit.Event(time.Now(), authz.System(), "test.b", "", nil, nil))
				}); err != nil {
					errs <- err
					return
				}
			}
		})
		wg.Go(func() {
			for range 20 {
				if _, err := audit.SealerForTest(db.Pool, 7, nil).SealAll(ctx, false); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if res, err := audit.Verify(ctx, db.Pool); err != nil || res.Events != 200 {
		t.Fatalf("%d events, %v; want 200 and an intact chain", res.Events, err)
	}
	assertSealedOnce(t, db, 200)
}

// An event taken off the sealer's list stays unsealed; once older than the limit, verification says so.
func TestUnsealedEventIsReported(t *testing.T) {
	db, _ := pgtest.New(t)
	ctx := context.Background()
	record(t, db, 1)
	if err := db.InTx(ctx, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, audit.Event(time.Now().Add(-audit.UnsealedLimit-time.Minute), authz.System(), "test.hidden", "", nil, nil))
	}); err != nil {
		t.Fatal(err)
	}
	var hidden int64
	if err := db.Pool.QueryRow(ctx, `DELETE FROM audit_pending WHERE event_id = (SELECT id FROM audit_events WHERE action = 'test.hidden') RETURNING event_id`).Scan(&hidden); err != nil {
		t.Fatal(err)
	}
	res, err := audit.Verify(ctx, db.Pool)
	var broken *audit.BrokenError
	if !errors.As(err, &broken) || broken.EventID != hidden || res.Unsealed != 1 {
		t.Fatalf("event %d taken off the sealer's list: verify said %v (%d unsealed)", hidden, err, res.Unsealed)
	}
}

// The sealer is killed (SIGKILL) in its second batch, after the first committed; a restart seals the
// rest, each event exactly once, and the chain verifies.
func TestSealerKilledMidSeal(t *testing.T) {
	if url := os.Getenv("AFFAR_SEALER_CHILD"); url != "" {
		sealUntilKilled(t, url)
		return
	}
	db, url := pgtest.New(t)
	ctx := context.Background()
	record(t, db, 250)
	cmd := exec.Command(os.Args[0], "-test.run=^TestSealerKilledMidSeal$", "-test.count=1")
	cmd.Env = append(os.Environ(), "AFFAR_SEALER_CHILD="+url)
	stdin, _ := cmd.StdinPipe() // never written: the child blocks on it in its second batch
	defer stdin.Close()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	for lines.Scan() && !strings.Contains(lines.Text(), "sealing batch 2") {
	}
	cmd.Process.Kill()
	cmd.Wait()
	var sealed int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_seals`).Scan(&sealed); err != nil || sealed != 100 {
		t.Fatalf("after the kill %d events sealed, %v; want the first batch of 100 only", sealed, err)
	}
	if res, err := audit.Verify(ctx, db.Pool); err != nil || res.Events != 250 {
		t.Fatalf("after the restart: %d events, %v; want 250 and an intact chain", res.Events, err)
	}
	assertSealedOnce(t, db, 250)
}

// sealUntilKilled is the child of TestSealerKilledMidSeal: it seals 100 events a batch and, with its
// second batch written but not committed, says so and waits to be killed.
func sealUntilKilled(t *testing.T, url string) {
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	batches := 0
	hook := func() error {
		if batches++; batches == 2 {
			fmt.Println("sealing batch 2")
			io.ReadAll(os.Stdin)
		}
		return nil
	}
	audit.SealerForTest(db.Pool, 100, hook).SealAll(context.Background(), true)
	t.Fatal("the sealer was not killed")
}

// assertSealedOnce fails unless every event of the log has exactly one seal, and there are n.
func assertSealedOnce(t *testing.T, db *postgres.DB, n int) {
	t.Helper()
	var events, wrong int
	err := db.Pool.QueryRow(context.Background(), `SELECT count(*), count(*) FILTER (WHERE
		(SELECT count(*) FROM audit_seals s WHERE s.event_id = e.id) <> 1) FROM audit_events e`).Scan(&events, &wrong)
	if err != nil || events != n || wrong != 0 {
		t.Fatalf("%d events, %d not sealed exactly once, %v; want %d, 0", events, wrong, err, n)
	}
}
