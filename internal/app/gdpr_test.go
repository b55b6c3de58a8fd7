package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/affar/affar/internal/app"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/testutil"
)

const year = 365 * 24 * time.Hour

// heldCustomer anonymises a customer with an accepted quote under retention and backdates the hold so
// it has ended; it returns the held quote.
func heldCustomer(t *testing.T, env *testutil.Env) domain.QuoteID {
	t.Helper()
	c := env.MustCreateRichCustomer(t, "Hållen AB", 2*year)
	ctx := authz.WithActor(context.Background(), authz.System())
	e, err := env.Services.GDPR.Anonymise(ctx, c.ID, gdpr.Input{Confirm: fmt.Sprint(c.Number), Reason: "Begäran"})
	if err != nil || len(e.Holds) != 1 {
		t.Fatalf("anonymise: %v, %d holds", err, len(e.Holds))
	}
	if _, err := env.DB.Pool.Exec(ctx, `UPDATE quotes SET held_until = current_date - 1 WHERE id = $1`, e.Holds[0].QuoteID); err != nil {
		t.Fatal(err)
	}
	return e.Holds[0].QuoteID
}

func released(t *testing.T, env *testutil.Env, q domain.QuoteID) bool {
	t.Helper()
	var held bool
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT held_until IS NOT NULL FROM quotes WHERE id = $1`, q).Scan(&held); err != nil {
		t.Fatal(err)
	}
	return !held
}

func TestGDPRCommands(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	q := heldCustomer(t, env)
	vars := map[string]string{"DATABASE_URL": env.DBURL, "AFFAR_MIGRATE_URL": env.OwnerURL, "AFFAR_ERASURE_SALT": string(env.Config.ErasureSalt),
		"AFFAR_ERASURE_LEDGER": env.Config.ErasureLedger}

	code, out := run(t, map[string]string{"DATABASE_URL": env.DBURL}, "", "gdpr", "replay-erasures")
	if code == 0 || !strings.Contains(out, "AFFAR_ERASURE_LEDGER") {
		t.Errorf("replay without a ledger: exit %d, %q", code, out)
	}
	code, out = run(t, vars, "", "gdpr", "release-holds")
	if code != 0 || !strings.Contains(out, "released 1 ") || !released(t, env, q) {
		t.Fatalf("release-holds: exit %d, %q", code, out)
	}
	code, out = run(t, vars, "", "gdpr", "replay-erasures")
	if code != 0 || !strings.Contains(out, "ledger: 1 erasures; 0 customers erased again") {
		t.Fatalf("replay-erasures: exit %d, %q", code, out)
	}
}

// TestRetentionJobRunsAtStart starts the river client serve starts: the periodic release job runs at
// once (and then daily) and clears the snapshot whose hold has ended.
func TestRetentionJobRunsAtStart(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	q := heldCustomer(t, env)
	jobs, err := app.NewJobs(env.DB, env.Services, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	events, cancel := jobs.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	defer cancel()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	if err := jobs.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer jobs.Stop(context.Background())
	select {
	case ev := <-events:
		if ev.Kind != river.EventKindJobCompleted || ev.Job.Kind != (gdpr.ReleaseHoldsArgs{}).Kind() {
			t.Fatalf("job event %s for %s, want the release job completed", ev.Kind, ev.Job.Kind)
		}
	case <-time.After(time.Minute):
		t.Fatal("the release job did not run at start")
	}
	if !released(t, env, q) {
		t.Error("the job ran but the hold is still there")
	}
}
