package server_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/testutil"
)

// denialEvents reads the refusal events after event id after from the hash chain, in its order, once the
// committed events are sealed.
func denialEvents(t *testing.T, db *postgres.DB, after int64) []domain.AuditEvent {
	t.Helper()
	if _, err := audit.Verify(context.Background(), db.Pool); err != nil {
		t.Fatal(err)
	}
	var out []domain.AuditEvent
	err := postgres.WalkChain(context.Background(), db.Pool, func(_ postgres.Seal, e *domain.AuditEvent, _ []byte) error {
		if e.ID > after && (e.Action == audit.PermissionDenied || e.Action == audit.PermissionDeniedRepeated) {
			out = append(out, *e)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRepeatedDenialsAreOneEventAndACount: a user refused the same page again and again within a minute
// writes one audit event, and the repetitions end up in the hash chain as a count, with the next refusal
// or with the periodic flush, so nothing is lost from the proof.
func TestRepeatedDenialsAreOneEventAndACount(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	env.Clock.Set(time.Date(2026, 11, 27, 10, 3, 12, 0, time.UTC))
	uid, pw := env.MustCreateUser(t, "nyfiken@example.se", false, "customer.view")
	c := env.NewClient(t)
	c.SignIn("nyfiken@example.se", pw)
	start := lastEventID(t, env.DB)

	const n = 25
	for i := 0; i < n; i++ {
		if r := c.Get("/audit"); r.Status != http.StatusForbidden {
			t.Fatalf("refusal %d: %d, want 403", i+1, r.Status)
		}
	}
	if got := denialEvents(t, env.DB, start); len(got) != 1 {
		t.Fatalf("%d refusals in one minute wrote %d audit events, want 1", n, len(got))
	}

	// The next minute's first refusal carries the count of the minute before into the chain.
	env.Clock.Advance(time.Minute)
	if r := c.Get("/audit"); r.Status != http.StatusForbidden {
		t.Fatalf("refusal in the next minute: %d", r.Status)
	}
	got := denialEvents(t, env.DB, start)
	if len(got) != 3 {
		t.Fatalf("events %+v, want the first refusal, the count of its minute and the next minute's first refusal", got)
	}
	rep := got[1]
	if rep.Action != audit.PermissionDeniedRepeated || rep.ActorID == nil || *rep.ActorID != uid ||
		rep.Details["route"] != "GET /audit" || rep.Details["permission"] != "audit.view" ||
		rep.Details["minute"] != "2026-11-27T10:03:00Z" || rep.Details["count"] != float64(n-1) {
		t.Fatalf("count event %+v, want %d repeats of GET /audit by user %d in 10:03", rep, n-1, uid)
	}

	// Without another refusal, the periodic flush chains the count once the minute is over.
	for i := 0; i < 3; i++ {
		c.Get("/audit")
	}
	ctx := context.Background()
	if err := audit.FlushDenials(ctx, env.DB, env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if got := denialEvents(t, env.DB, start); len(got) != 3 {
		t.Fatalf("a flush within the minute wrote %d events, want none yet", len(got)-3)
	}
	env.Clock.Advance(time.Minute)
	if err := audit.FlushDenials(ctx, env.DB, env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	got = denialEvents(t, env.DB, start)
	if len(got) != 4 || got[3].Action != audit.PermissionDeniedRepeated || got[3].Details["count"] != float64(3) {
		t.Fatalf("after the flush: %+v, want a count of 3 repeats", got)
	}
	if err := audit.FlushDenials(ctx, env.DB, env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if again := denialEvents(t, env.DB, start); len(again) != 4 {
		t.Fatalf("a second flush wrote %d more events", len(again)-4)
	}
	total := 0
	for _, e := range got {
		if e.Action == audit.PermissionDenied {
			total++
		} else {
			total += int(e.Details["count"].(float64))
		}
	}
	if total != n+1+3 {
		t.Fatalf("the chain shows %d refusals, the user was refused %d times", total, n+1+3)
	}
	if res, err := audit.Verify(ctx, env.DB.Pool); err != nil {
		t.Fatalf("chain after counting refusals: %v (%d events)", err, res.Events)
	}
}

// TestRepeatedDenialTakesNoAuditLock: while another transaction holds the audit chain's lock, a user
// refused again in the same minute still gets the 403 page at once.
func TestRepeatedDenialTakesNoAuditLock(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	c := env.SignedInClient(t, "nyfiken@example.se", false)
	if r := c.Get("/audit"); r.Status != http.StatusForbidden {
		t.Fatalf("first refusal: %d", r.Status)
	}
	ctx := context.Background()
	tx, err := env.DB.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if err := audit.Record(ctx, tx, audit.Event(env.Clock.Now(), authz.System(), "test.holds_the_lock", "", nil, nil)); err != nil {
		t.Fatal(err)
	}
	// A refusal that waited for the lock would wait until the deadline.
	c.Timeout = 10 * time.Second
	for i := 0; i < 5; i++ {
		if r := c.Get("/audit"); r.Status != http.StatusForbidden {
			t.Fatalf("repeated refusal while the audit lock is held: %d", r.Status)
		}
	}
}
