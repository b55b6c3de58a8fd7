package audit_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/testutil/pgtest"
)

func record(t *testing.T, db *postgres.DB, n int) {
	t.Helper()
	ctx := context.Background()
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		for i := 0; i < n; i++ {
			e := audit.Event(time.Now(), authz.System(), "test.event", "user", audit.ID(int64(i+1)),
				map[string]any{"fields": []string{"name", "email"}, "n": i, "note": "<&>"})
			if err := audit.Record(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestChainVerifiesAndDetectsTampering(t *testing.T) {
	db, url := pgtest.New(t)
	ctx := context.Background()
	record(t, db, 5)
	if res, err := audit.Verify(ctx, db.Pool); err != nil || res.Events != 5 {
		t.Fatalf("untouched chain: %d events, %v", res.Events, err)
	}

	var third int64
	if err := db.Pool.QueryRow(ctx, `SELECT id FROM audit_events ORDER BY id OFFSET 2 LIMIT 1`).Scan(&third); err != nil {
		t.Fatal(err)
	}
	// The schema's owner (or a superuser) can switch the triggers off; the chain still tells.
	_, err := pgtest.Owner(t, url).Pool.Exec(ctx, `ALTER TABLE audit_events DISABLE TRIGGER USER;
		UPDATE audit_events SET details = jsonb_set(details, '{fields}', '["name"]') WHERE id = `+fmt.Sprint(third)+`;
		ALTER TABLE audit_events ENABLE TRIGGER USER`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = audit.Verify(ctx, db.Pool)
	var broken *audit.BrokenError
	if !errors.As(err, &broken) || broken.EventID != third {
		t.Fatalf("tampered event %d: verify said %v", third, err)
	}
}

func TestRemovedEventIsDetected(t *testing.T) {
	for _, tc := range []struct {
		name, remove string
		at           int // the event verify names: the removed one, or the one after it when its seal went too
	}{
		{"event", `DELETE FROM audit_events WHERE id = %d`, 1},
		{"event and its seal", `DELETE FROM audit_events WHERE id = %[1]d; DELETE FROM audit_seals WHERE event_id = %[1]d`, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, url := pgtest.New(t)
			ctx := context.Background()
			record(t, db, 4)
			if _, err := audit.Verify(ctx, db.Pool); err != nil {
				t.Fatal(err)
			}
			rows, _ := db.Pool.Query(ctx, `SELECT id FROM audit_events ORDER BY id`)
			ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			if err != nil {
				t.Fatal(err)
			}
			_, err = pgtest.Owner(t, url).Pool.Exec(ctx, `ALTER TABLE audit_events DISABLE TRIGGER USER;
				ALTER TABLE audit_seals DISABLE TRIGGER USER;`+fmt.Sprintf(tc.remove, ids[1])+`;
				ALTER TABLE audit_events ENABLE TRIGGER USER; ALTER TABLE audit_seals ENABLE TRIGGER USER`)
			if err != nil {
				t.Fatal(err)
			}
			_, err = audit.Verify(ctx, db.Pool)
			var broken *audit.BrokenError
			if !errors.As(err, &broken) || broken.EventID != ids[tc.at] {
				t.Fatalf("event %d removed: verify said %v, want the break at %d", ids[1], err, ids[tc.at])
			}
		})
	}
}

func TestLogIsAppendOnly(t *testing.T) {
	db, _ := pgtest.New(t)
	ctx := context.Background()
	record(t, db, 2)
	if _, err := audit.Verify(ctx, db.Pool); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE audit_events SET action = 'x'`,
		`DELETE FROM audit_events`,
		`TRUNCATE audit_events`,
		`UPDATE audit_seals SET hash = prev_hash`,
		`DELETE FROM audit_seals`,
		`TRUNCATE audit_seals`,
	} {
		if _, err := db.Pool.Exec(ctx, stmt); err == nil {
			t.Errorf("%s was allowed", stmt)
		}
	}
	if res, err := audit.Verify(ctx, db.Pool); err != nil || res.Events != 2 {
		t.Fatalf("after refused changes: %d events, %v", res.Events, err)
	}
}

func TestRolledBackChangeLeavesNoEvent(t *testing.T) {
	db, _ := pgtest.New(t)
	ctx := context.Background()
	boom := errors.New("change failed")
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		if err := audit.Record(ctx, tx, audit.Event(time.Now(), authz.System(), "test.event", "", nil, nil)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	record(t, db, 1)
	if res, err := audit.Verify(ctx, db.Pool); err != nil || res.Events != 1 {
		t.Fatalf("after a rollback: %d events, %v; want 1 and an intact chain despite the id gap", res.Events, err)
	}
}

func TestConcurrentAppendsKeepTheChainLinear(t *testing.T) {
	db, _ := pgtest.New(t)
	ctx := context.Background()
	const workers, each = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				err := db.InTx(ctx, func(tx pgx.Tx) error {
					return audit.Record(ctx, tx,
						audit.Event(time.Now(), authz.System(), "test.a", "", nil, nil),
						audit.Event(time.Now(), authz.System(), "test.b", "", nil, nil))
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if res, err := audit.Verify(ctx, db.Pool); err != nil || res.Events != workers*each*2 {
		t.Fatalf("%d events, %v; want %d and an intact chain", res.Events, err, workers*each*2)
	}
}

func TestDetailsThatJSONBWouldRewriteAreRefused(t *testing.T) {
	db, _ := pgtest.New(t)
	ctx := context.Background()
	for _, details := range []map[string]any{{"x": 1e21}, {"x": 0.5}, {"x": "a\x00b"}} {
		err := db.InTx(ctx, func(tx pgx.Tx) error {
			return audit.Record(ctx, tx, audit.Event(time.Now(), authz.System(), "test.event", "", nil, details))
		})
		if err == nil {
			t.Errorf("details %v were accepted", details)
		}
	}
	record(t, db, 1)
	if res, err := audit.Verify(ctx, db.Pool); err != nil || res.Events != 1 {
		t.Fatalf("%d events, %v", res.Events, err)
	}
}

func TestAnchorDetectsRemovedNewestEvents(t *testing.T) {
	db, url := pgtest.New(t)
	ctx := context.Background()
	record(t, db, 3)
	res, err := audit.Verify(ctx, db.Pool)
	if err != nil {
		t.Fatal(err)
	}
	anchor, err := audit.ParseAnchor(res.Head.String())
	if err != nil || anchor.EventID != res.Head.EventID {
		t.Fatalf("anchor %q does not parse back: %v", res.Head, err)
	}
	record(t, db, 2)
	if res, err := audit.Verify(ctx, db.Pool); err != nil || res.Check(anchor) != nil {
		t.Fatalf("appending after the anchor: %v, %v", err, res.Check(anchor))
	}
	// Remove everything from the anchored event on, with its seals: the chain itself is still linked.
	_, err = pgtest.Owner(t, url).Pool.Exec(ctx, `ALTER TABLE audit_events DISABLE TRIGGER USER;
		ALTER TABLE audit_seals DISABLE TRIGGER USER;
		DELETE FROM audit_seals WHERE event_id >= `+fmt.Sprint(anchor.EventID)+`;
		DELETE FROM audit_events WHERE id >= `+fmt.Sprint(anchor.EventID)+`;
		ALTER TABLE audit_events ENABLE TRIGGER USER; ALTER TABLE audit_seals ENABLE TRIGGER USER`)
	if err != nil {
		t.Fatal(err)
	}
	res, err = audit.Verify(ctx, db.Pool)
	if err != nil {
		t.Fatalf("the truncated chain is still linked, verify said %v", err)
	}
	if res.Check(anchor) == nil {
		t.Fatal("the anchor did not notice that its event was removed")
	}
}
