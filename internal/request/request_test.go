package request_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/request"
	"github.com/affar/affar/internal/testutil"
)

func at(s string, hour int) time.Time {
	d, _ := time.Parse(domain.DateLayout, s)
	return time.Date(d.Year(), d.Month(), d.Day(), hour, 0, 0, 0, domain.Stockholm)
}

// TestReminderGoesThroughTheOutbox: the daily job mails each handler their requests due within a week
// and the overdue ones, once a day, by number and date only; requests due later are left out.
func TestReminderGoesThroughTheOutbox(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	svc := env.Services.Requests
	ctx := context.Background()
	officerID, _ := env.MustCreateUser(t, "dpo@example.se", false, authz.PrivacyManage)
	officer := authz.WithActor(ctx, authz.NewActor(domain.User{ID: officerID, Name: "Dora Dataskydd"}, []authz.Permission{authz.PrivacyManage}))
	env.Clock.Set(at("2026-03-02", 9))
	soon, err := svc.Register(officer, request.Input{Kinds: []string{"access"}, Received: "2026-02-10", Channel: "email",
		Name: "Sven Svensson", Email: "sven@example.se"})
	if err != nil {
		t.Fatal(err)
	}
	later, err := svc.Register(officer, request.Input{Kinds: []string{"erasure"}, Received: "2026-03-01", Channel: "letter", Name: "Lisa Lind"})
	if err != nil {
		t.Fatal(err)
	}
	if soon.Number() != "2026-0001" || later.Number() != "2026-0002" {
		t.Fatalf("numbers %s, %s", soon.Number(), later.Number())
	}
	sys := authz.WithActor(ctx, authz.System())
	env.Clock.Set(at("2026-03-04", 7)) // due 2026-03-10: within a week
	if n, err := svc.Remind(sys); err != nil || n != 1 {
		t.Fatalf("reminders: %d, %v", n, err)
	}
	var to, subject, body string
	if err := env.DB.Pool.QueryRow(ctx, `SELECT recipient, subject, body FROM outbox ORDER BY id DESC LIMIT 1`).Scan(&to, &subject, &body); err != nil {
		t.Fatal(err)
	}
	if to != "dpo@example.se" || !strings.Contains(body, "2026-0001") || !strings.Contains(body, "förfaller om 6 dagar") ||
		strings.Contains(body, "2026-0002") || strings.Contains(body, "Sven") || !strings.Contains(subject, "1 förfrågan") {
		t.Errorf("reminder to %s: %q\n%s", to, subject, body)
	}
	if n, err := svc.Remind(sys); err != nil || n != 0 {
		t.Errorf("a second run on the same day mails again: %d, %v", n, err)
	}
	env.Clock.Set(at("2026-03-12", 7)) // the first is 2 days late, the second not yet due within a week
	if n, err := svc.Remind(sys); err != nil || n != 1 {
		t.Fatalf("reminders the day after: %d, %v", n, err)
	}
	if err := env.DB.Pool.QueryRow(ctx, `SELECT body FROM outbox ORDER BY id DESC LIMIT 1`).Scan(&body); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "2 dagar försenad") {
		t.Errorf("overdue reminder: %s", body)
	}
}

// TestRequesterIsClearedAfterTheRetention: a closed request keeps the requester for the set days, then
// the daily job clears them; the rest of the register stays.
func TestRequesterIsClearedAfterTheRetention(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	svc := env.Services.Requests
	ctx := authz.WithActor(context.Background(), authz.System())
	env.Clock.Set(at("2026-05-04", 10))
	r, err := svc.Register(ctx, request.Input{Kinds: []string{"access", "portability"}, Received: "2026-05-04", Channel: "phone", Name: "Per Persson"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetRetentionDays(ctx, "10"); err != nil {
		t.Fatal(err)
	}
	if err := svc.Update(ctx, r.ID, request.Change{Status: "answered", Kinds: []string{"access", "portability"}}); err != nil {
		t.Fatal(err)
	}
	env.Clock.Set(at("2026-05-14", 10))
	if n, err := svc.ClearRequesters(ctx); err != nil || n != 0 {
		t.Fatalf("cleared within the retention: %d, %v", n, err)
	}
	env.Clock.Set(at("2026-05-15", 10))
	if n, err := svc.ClearRequesters(ctx); err != nil || n != 1 {
		t.Fatalf("not cleared after the retention: %d, %v", n, err)
	}
	d, err := svc.Get(ctx, r.ID)
	if err != nil || d.Request.Requester != (domain.Requester{}) || d.Request.RequesterCleared == nil || d.Request.DaysTaken() != 0 {
		t.Errorf("after clearing: %+v, %v", d.Request.Requester, err)
	}
	var fe domain.FieldErrors
	if err := svc.SetRetentionDays(ctx, "-1"); !errors.As(err, &fe) {
		t.Errorf("a negative retention is stored: %v", err)
	}
	clerk := authz.WithActor(context.Background(), authz.NewActor(domain.User{ID: 1, Name: "Clerk"}, []authz.Permission{authz.CustomerView}))
	if _, err := svc.Get(clerk, r.ID); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("a clerk reads a request: %v", err)
	}
}
