package customer_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/customer"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/testutil/svctest"
)

// TestCustomerPageInFourStatements: the customer page, with every list it shows, is read and its view
// recorded in four statements (BEGIN, the page, the audit events, COMMIT; with the session and its user,
// one statement, five per request), and shows what the lists' own queries read.
func TestCustomerPageInFourStatements(t *testing.T) {
	h := svctest.New(t)
	c := h.MustCreateRichCustomer(t, "Rik AB", 400*24*time.Hour)
	if err := h.Services.Customers.RecordObjection(h.As(edit...), c.ID,
		customer.ObjectionInput{ObjectedOn: h.Clock.Now().Format("2006-01-02"), Channel: "letter"}); err != nil {
		t.Fatal(err)
	}
	svc := *h.Services.Customers
	var count func() int64
	svc.DB, count = h.CountingDB(t)
	ctx := h.As(authz.CustomerView, authz.CreditReportAccess)
	d, err := svc.View(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(); n > 4 {
		t.Errorf("the customer page took %d statements, %d with the session and its user; want at most 4 (5)", n, n+1)
	}

	q := h.DB.Pool
	contacts, err1 := postgres.Contacts(ctx, q, c.ID)
	consent, err2 := postgres.ConsentHistory(ctx, q, c.ID)
	objections, err3 := postgres.Objections(ctx, q, c.ID)
	reports, err4 := postgres.CreditReports(ctx, q, c.ID)
	quotes, rule, err5 := postgres.CustomerQuotes(ctx, q, c.ID)
	for _, err := range []error{err1, err2, err3, err4, err5} {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range []struct {
		name      string
		got, want any
		n         int
	}{
		{"contacts", d.Contacts, contacts, len(contacts)},
		{"consent history", d.Consent, consent, len(consent)},
		{"objections", d.Objections, objections, len(objections)},
		{"credit reports", d.CreditReports, reports, len(reports)},
		{"quotes", d.Quotes, quotes, len(quotes)},
		{"retention rule", d.Rule, rule, 1},
	} {
		if l.n == 0 {
			t.Errorf("the fixture has no %s", l.name)
		}
		if got, want := fmt.Sprintf("%+v", l.got), fmt.Sprintf("%+v", l.want); got != want {
			t.Errorf("%s on the page:\n%s\nread alone:\n%s", l.name, got, want)
		}
	}
}
