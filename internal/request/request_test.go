package request_test

import (
	"context"
	"errors"
	"strconv"
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

	// Each handler gets their own: the second request is handed to another officer.
	evaID, _ := env.MustCreateUser(t, "eva@example.se", false, authz.PrivacyManage)
	if err := svc.Update(sys, later.ID, request.Change{Status: "in_progress", Kinds: []string{"erasure"},
		Handler: strconv.FormatInt(int64(evaID), 10)}); err != nil {
		t.Fatal(err)
	}
	env.Clock.Set(at("2026-03-26", 7)) // the first 16 days late, the second due 2026-04-01
	if n, err := svc.Remind(sys); err != nil || n != 2 {
		t.Fatalf("reminders to two handlers: %d, %v", n, err)
	}
	mail := map[string]string{}
	rows, err := env.DB.Pool.Query(ctx, `SELECT recipient, body FROM outbox WHERE created_at >= $1`, at("2026-03-26", 0))
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var to, b string
		if err := rows.Scan(&to, &b); err != nil {
			t.Fatal(err)
		}
		mail[to] = b
	}
	if !strings.Contains(mail["dpo@example.se"], "2026-0001") || strings.Contains(mail["dpo@example.se"], "2026-0002") ||
		!strings.Contains(mail["eva@example.se"], "2026-0002: ska besvaras senast 2026-04-01 (förfaller om 6 dagar)") {
		t.Errorf("reminders by handler: %v", mail)
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

// TestActionsLinkByNumber: work done about a request records itself by the request's number (or in its
// own transaction with RecordAction), with its audit event; an unknown number or kind is refused.
func TestActionsLinkByNumber(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	svc := env.Services.Requests
	ctx := authz.WithActor(context.Background(), authz.System())
	env.Clock.Set(at("2026-09-01", 10))
	r, err := svc.Register(ctx, request.Input{Kinds: []string{"erasure"}, Received: "2026-08-30", Channel: "in_person", Name: "Eva Ek"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.LinkAction(ctx, "2026-0001", request.ActionInput{Kind: string(domain.ActionErased), Ref: "erasure 7f3a"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.LinkAction(ctx, "2026-0002", request.ActionInput{Kind: string(domain.ActionErased)}); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("an unknown number: %v", err)
	}
	var fe domain.FieldErrors
	if err := svc.AddAction(ctx, r.ID, request.ActionInput{Kind: "shredded"}); !errors.As(err, &fe) || fe["action_kind"] == "" {
		t.Errorf("an unknown kind: %v", err)
	}
	d, err := svc.Get(ctx, r.ID)
	if err != nil || len(d.Request.Actions) != 1 || d.Request.Actions[0].Kind != domain.ActionErased || d.Request.Actions[0].Ref != "erasure 7f3a" {
		t.Fatalf("actions: %+v, %v", d.Request.Actions, err)
	}
	var details string
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT details::text FROM audit_events WHERE action = $1`, request.ActionRecorded).Scan(&details); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(details, `"2026-0001"`) || !strings.Contains(details, `"erased"`) || strings.Contains(details, "Eva") {
		t.Errorf("audit details: %s", details)
	}
}
