package server_test

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/chainwatch"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil"
)

// runChainCheck queues the daily check as river's schedule does and waits (polling, with a deadline) for
// the worker to record it.
func runChainCheck(t *testing.T, env *testutil.Env) {
	t.Helper()
	ctx := context.Background()
	var before int
	if err := env.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM chain_checks`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	queue, err := river.NewClient(riverpgxv5.New(env.DB.Pool), &river.Config{SkipUnknownJobCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := queue.Insert(ctx, chainwatch.Args{}, nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int
		if err := env.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM chain_checks`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > before {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the chain check job did not run")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// lastMailTo is the newest outbox message to address: subject and body.
func lastMailTo(t *testing.T, env *testutil.Env, address string) (string, string) {
	t.Helper()
	var subject, body string
	err := env.DB.Pool.QueryRow(context.Background(), `SELECT subject, body FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1`,
		address).Scan(&subject, &body)
	if err != nil {
		t.Fatalf("no mail to %s: %v", address, err)
	}
	return subject, body
}

// TestDailyChainCheckMailsTheHead: the nightly job (run here through river, on the injected clock) walks the
// audit chain, mails its head to the privacy officer, and the head proves the chain with --anchor later; the
// start page shows the check. After someone rewrites an event in the database, the next check is an alarm,
// by e-mail and on the start page.
func TestDailyChainCheckMailsTheHead(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	env.StartJobs(t)
	env.Clock.Set(time.Date(2026, 12, 1, 4, 0, 0, 0, domain.Stockholm))
	_, dpoPW := env.MustCreateUser(t, "dpo@example.se", false, authz.PrivacyManage)
	dpo := env.NewClient(t)
	dpo.SignIn("dpo@example.se", dpoPW)
	env.MustCreateUser(t, "admin@example.se", true)
	clerk := env.SignedInClient(t, "clerk@example.se", false, authz.CustomerView)
	if r := dpo.Get("/"); !strings.Contains(r.Body, "Ingen kontroll har körts än") {
		t.Fatal("the start page does not say that no check has run")
	}

	runChainCheck(t, env)
	subject, body := lastMailTo(t, env, "dpo@example.se")
	head := regexp.MustCompile(`\b\d+:[0-9a-f]{64}\b`).FindString(body)
	if subject != "Granskningskedjans huvud 2026-12-01 04:00" || head == "" {
		t.Fatalf("mail %q / %q: want the date and an ID:HASH head", subject, body)
	}
	var toAdmin int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE recipient = 'admin@example.se' AND subject LIKE 'Gransknings%'`).Scan(&toAdmin); err != nil || toAdmin != 0 {
		t.Fatalf("the admin got %d heads (%v); the privacy officer is the one who holds privacy.manage", toAdmin, err)
	}
	anchor, err := audit.ParseAnchor(head)
	if err != nil {
		t.Fatal(err)
	}
	res, err := audit.Verify(context.Background(), env.DB.Pool)
	if err != nil || res.Check(anchor) != nil {
		t.Fatalf("the mailed head does not anchor the chain: %v / %v", err, res.Check(anchor))
	}
	if r := dpo.Get("/"); !strings.Contains(r.Body, "Kontrollerad 2026-12-01 04:00: hel") {
		t.Fatal("the start page does not show the check")
	}
	if r := clerk.Get("/"); strings.Contains(r.Body, `id="chain-check"`) {
		t.Fatal("someone who neither reads the audit log nor manages data protection sees the check")
	}

	owner := env.Owner(t)
	for _, sql := range []string{`ALTER TABLE audit_events DISABLE TRIGGER USER`,
		`UPDATE audit_events SET entity_id = coalesce(entity_id, 0) + 1 WHERE id = ` + strconv.FormatInt(anchor.EventID-1, 10),
		`ALTER TABLE audit_events ENABLE TRIGGER USER`} {
		if _, err := owner.Pool.Exec(context.Background(), sql); err != nil {
			t.Fatal(err)
		}
	}
	env.Clock.Advance(24 * time.Hour)
	runChainCheck(t, env)
	dpo = env.NewClient(t) // a day on, the session has expired
	dpo.SignIn("dpo@example.se", dpoPW)
	subject, body = lastMailTo(t, env, "dpo@example.se")
	if subject != "LARM: granskningsloggen i Affär är bruten" || !strings.Contains(body, "2026-12-02 04:00") {
		t.Fatalf("alarm mail %q / %q", subject, body)
	}
	if r := dpo.Get("/"); !strings.Contains(r.Body, "LARM: kontrollen 2026-12-02 04:00 fann kedjan bruten") {
		t.Fatal("the start page does not raise the alarm")
	}
	var alarms int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE action = 'audit.chain_checked' AND details->>'ok' = 'false'`).Scan(&alarms); err != nil || alarms != 1 {
		t.Fatalf("%d failed checks in the audit log (%v), want 1", alarms, err)
	}
}

// TestChainCheckIsForPrivacyReaders: the last check is shown to whoever reads the audit log or manages
// data protection, and refused to everyone else.
func TestChainCheckIsForPrivacyReaders(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	ctx := context.Background()
	for _, c := range []struct {
		perms []authz.Permission
		want  error
	}{{nil, domain.ErrForbidden}, {[]authz.Permission{authz.CustomerView}, domain.ErrForbidden},
		{[]authz.Permission{authz.AuditView}, nil}, {[]authz.Permission{authz.PrivacyManage}, nil}} {
		actor := authz.NewActor(domain.User{ID: 1, Active: true}, c.perms)
		if _, _, err := env.Services.Chain.Latest(authz.WithActor(ctx, actor)); !errors.Is(err, c.want) && err != c.want {
			t.Errorf("%v: %v, want %v", c.perms, err, c.want)
		}
	}
	if _, _, err := env.Services.Chain.Latest(ctx); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Errorf("no actor: %v", err)
	}
}
