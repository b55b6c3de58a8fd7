package customer_test

import (
	"testing"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/customer"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/testutil"
	"github.com/affar/affar/internal/testutil/svctest"
)

// TestCustomerPageInFourStatements: the customer page, with every list it shows, is read and its view
// recorded in four statements (BEGIN, the page, the audit events, COMMIT; with the session and its user,
// one statement, five per request), and shows what that one statement read.
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

	// What each list's own query reads: TestCustomerSheetMatchesEachList (internal/postgres).
	sheet, err := postgres.CustomerSheetOf(ctx, h.DB.Pool, c.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []struct {
		name      string
		got, want any
		n         int
	}{
		{"contacts", d.Contacts, sheet.Contacts, len(sheet.Contacts)},
		{"consent history", d.Consent, sheet.Consent, len(sheet.Consent)},
		{"objections", d.Objections, sheet.Objections, len(sheet.Objections)},
		{"credit reports", d.CreditReports, sheet.CreditReports, len(sheet.CreditReports)},
		{"quotes", d.Quotes, sheet.Quotes, len(sheet.Quotes)},
		{"retention rule", d.Rule, sheet.Rule, 1},
	} {
		testutil.ReadAlike(t, l.name, l.got, l.want, l.n)
	}
}
