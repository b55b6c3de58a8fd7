package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/affar/affar/internal/agreement"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/testutil"
)

// waitSent waits (polling the outbox, up to a deadline) until river has delivered every queued message.
func waitSent(t *testing.T, env *testutil.Env) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var open int
		if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE sent_at IS NULL`).Scan(&open); err != nil {
			t.Fatal(err)
		}
		if open == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages still queued", open)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestAgreementSentAndAcceptedByContinuedUse: a version goes to every admin through the outbox (no SMTP:
// kept on the outbox page); an admin signed in before it was sent sees the banner until their next
// sign-in, which records the acceptance; the history shows digest, recipients, send and acceptance times.
func TestAgreementSentAndAcceptedByContinuedUse(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	env.StartJobs(t)
	_, aPW := env.MustCreateUser(t, "anna@example.se", true)
	_, bPW := env.MustCreateUser(t, "bo@example.se", true)
	_, dpoPW := env.MustCreateUser(t, "dpo@example.se", false, authz.AuditView)
	a, b, dpo := env.NewClient(t), env.NewClient(t), env.NewClient(t)
	a.SignIn("anna@example.se", aPW)
	b.SignIn("bo@example.se", bPW)
	dpo.SignIn("dpo@example.se", dpoPW)

	text := "Personuppgiftsbiträdesavtal\n\n1. Parter: Kunden och Affär AB.\n2. Ändamål: kundregister."
	// The operator publishes (affar agreement publish); the web has no publishing form any more.
	if r := a.PostForm("/agreement", url.Values{"version": {"2026-1"}, "body": {text}}); r.Status != http.StatusMethodNotAllowed {
		t.Fatalf("publishing from the web: %d, want 405", r.Status)
	}
	if _, err := env.Services.Agreement.Publish(authz.WithActor(context.Background(), authz.System()), "2026-1", text); err != nil {
		t.Fatal(err)
	}
	waitSent(t, env)

	if r := b.Get("/customers"); !strings.Contains(r.Body, `id="agreement-banner"`) || !strings.Contains(r.Body, "Version 2026-1") {
		t.Fatal("an admin who has not signed in since the mailing sees no banner")
	}
	if r := dpo.Get("/"); strings.Contains(r.Body, `id="agreement-banner"`) {
		t.Fatal("a non-admin sees the banner")
	}
	b2 := env.NewClient(t)
	b2.SignIn("bo@example.se", bPW)
	if r := b2.Get("/"); strings.Contains(r.Body, `id="agreement-banner"`) {
		t.Fatal("the banner stays after the sign-in that accepted the version")
	}
	if r := b.Get("/"); strings.Contains(r.Body, `id="agreement-banner"`) {
		t.Fatal("the banner stays in bo's older session after acceptance")
	}

	r := dpo.Get("/agreement")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, agreement.Digest(strings.ReplaceAll(text, "\r\n", "\n"))) ||
		!strings.Contains(r.Body, "anna@example.se") || !strings.Contains(r.Body, "bo@example.se") {
		t.Fatalf("history: %d, or the digest or a recipient is missing", r.Status)
	}
	if strings.Count(r.Body, "Inte än") != 3 { // accepted by use: anna not yet; explicitly: neither
		t.Fatal("the history should show anna (not signed in again) as not yet accepted and bo as accepted")
	}
	if strings.Contains(r.Body, `action="/agreement`) || !strings.Contains(r.Body, "Publicerad") || !strings.Contains(r.Body, "av driftsleverantören") {
		t.Fatal("a non-admin is offered a form, or the operator is not named as publisher")
	}
	var accepted int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE action = 'agreement.accepted'`).Scan(&accepted); err != nil || accepted != 1 {
		t.Fatalf("%d acceptance events (%v), want 1", accepted, err)
	}

	// Someone made an admin later gets the current version too.
	dpoID, _ := env.Services.Users.IDByEmail(authz.WithActor(context.Background(), authz.System()), "dpo@example.se")
	if r := a.PostForm("/users/"+strconv.FormatInt(int64(dpoID), 10)+"/admin", url.Values{"admin": {"yes"}, "confirm": {"yes"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("make the DPO an admin: %d", r.Status)
	}
	waitSent(t, env)
	if r := dpo.Get("/agreement"); !strings.Contains(r.Body, "dpo@example.se") || !strings.Contains(r.Body, `id="agreement-banner"`) {
		t.Fatal("a new admin did not get the current version")
	}

	// Anna, still not signed in again, reads it and accepts it explicitly; the page shows when.
	page := a.Get("/agreement")
	if !strings.Contains(page.Body, `action="/agreement/accept"`) || !strings.Contains(page.Body, "Jag har läst avtalet") {
		t.Fatal("an admin who received a version is not offered the explicit acceptance")
	}
	if r := a.PostForm("/agreement/accept", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("accept: %d", r.Status)
	}
	page = a.Get("/agreement")
	if !strings.Contains(page.Body, "Ditt godkännande är registrerat.") || strings.Contains(page.Body, `action="/agreement/accept"`) {
		t.Fatal("no confirmation, or the button stays after acceptance")
	}
	var explicit int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events
		WHERE action = 'agreement.accepted' AND details->>'how' = 'explicit'`).Scan(&explicit); err != nil || explicit != 1 {
		t.Fatalf("%d explicit acceptance events (%v), want 1", explicit, err)
	}
	if strings.Count(page.Body, "Inte än") != 3 {
		t.Fatal("want three \"Inte än\": bo and the new admin not explicitly, the new admin not by use either; anna both")
	}

	o := a.Get("/outbox")
	if o.Status != http.StatusOK || !strings.Contains(o.Body, "AFFAR_SMTP_ADDR") || strings.Count(o.Body, "Personuppgiftsbiträdesavtal, version 2026-1") != 3 {
		t.Fatalf("outbox page: %d", o.Status)
	}
	if strings.Contains(env.Log.String(), "Parter: Kunden") || strings.Contains(env.Log.String(), "bo@example.se") {
		t.Fatal("the log holds a message's body or address")
	}
}
