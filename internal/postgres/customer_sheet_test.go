package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/customer"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/testutil"
)

// TestCustomerSheetMatchesEachList: the customer page's one statement reads what each list's own query
// reads, scanned the same way (times, dates, nulls and numbers through JSON included).
func TestCustomerSheetMatchesEachList(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	c := env.MustCreateRichCustomer(t, "Rik AB", 400*24*time.Hour)
	ctx := authz.WithActor(context.Background(), authz.System())
	if err := env.Services.Customers.RecordObjection(ctx, c.ID,
		customer.ObjectionInput{ObjectedOn: env.Clock.Now().Format("2006-01-02"), Channel: "letter"}); err != nil {
		t.Fatal(err)
	}
	got, err := postgres.CustomerSheetOf(ctx, env.DB.Pool, c.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	want, err := postgres.EachList(ctx, env.DB.Pool, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []struct {
		name      string
		got, want any
		n         int
	}{
		{"customer", got.Customer, want.Customer, 1},
		{"contacts", got.Contacts, want.Contacts, len(want.Contacts)},
		{"consent history", got.Consent, want.Consent, len(want.Consent)},
		{"objections", got.Objections, want.Objections, len(want.Objections)},
		{"credit reports", got.CreditReports, want.CreditReports, len(want.CreditReports)},
		{"quotes", got.Quotes, want.Quotes, len(want.Quotes)},
		{"retention rule", got.Rule, want.Rule, 1},
	} {
		testutil.ReadAlike(t, l.name, l.got, l.want, l.n)
	}
	without, err := postgres.CustomerSheetOf(ctx, env.DB.Pool, c.ID, false)
	if err != nil || len(without.CreditReports) != 0 {
		t.Errorf("without credit reports asked for: %d read, %v", len(without.CreditReports), err)
	}
}
