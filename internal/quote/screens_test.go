package quote_test

import (
	"context"
	"errors"
	"testing"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/quote"
	"github.com/affar/affar/internal/testutil"
)

// TestForEdit: the edit form's one read needs both customer permissions, gives the draft with the
// customer it is for, and refuses a quote that was sent.
func TestForEdit(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	system := authz.WithActor(context.Background(), authz.System())
	c := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Ek AB"})
	draft, sent := env.MustCreateQuote(t, c.ID), env.MustCreateQuote(t, c.ID)
	if err := env.Services.Quotes.SetStatus(system, sent.ID, domain.QuoteSent); err != nil {
		t.Fatal(err)
	}
	as := func(perms ...authz.Permission) context.Context {
		return authz.WithActor(context.Background(), authz.NewActor(domain.User{ID: 1, Email: "u@example.se"}, perms))
	}
	for _, tc := range []struct {
		name string
		ctx  context.Context
		id   domain.QuoteID
		want error
	}{
		{"no actor", context.Background(), draft.ID, domain.ErrUnauthenticated},
		{"without customer.edit", as(authz.CustomerView), draft.ID, domain.ErrForbidden},
		{"without customer.view", as(authz.CustomerEdit), draft.ID, domain.ErrForbidden},
		{"a sent quote", system, sent.ID, quote.NotDraft},
		{"no such quote", system, sent.ID + 100, domain.ErrNotFound},
	} {
		if _, _, err := env.Services.Quotes.ForEdit(tc.ctx, tc.id); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	q, cust, err := env.Services.Quotes.ForEdit(as(authz.CustomerEdit, authz.CustomerView), draft.ID)
	if err != nil || q.ID != draft.ID || len(q.Lines) == 0 || cust.ID != c.ID || cust.Name != "Ek AB" {
		t.Fatalf("the draft for editing: %+v, %+v, %v", q, cust, err)
	}
}

// TestView: the quote page's one read needs customer.view, gives the quote with its customer and records
// one view of the customer (and nothing about credit reports, which the page does not show).
func TestView(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	c := env.MustCreateRichCustomer(t, "Ek AB", 0)
	q := env.MustCreateQuote(t, c.ID)
	viewer := authz.WithActor(context.Background(), authz.NewActor(domain.User{ID: 1, Email: "u@example.se"},
		[]authz.Permission{authz.CustomerView, authz.CreditReportAccess}))
	if _, _, err := env.Services.Quotes.View(context.Background(), q.ID); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Errorf("no actor: %v", err)
	}
	other := authz.WithActor(context.Background(), authz.NewActor(domain.User{ID: 1}, []authz.Permission{authz.CustomerEdit}))
	if _, _, err := env.Services.Quotes.View(other, q.ID); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("without customer.view: %v", err)
	}
	count := func(action string) (n int) {
		t.Helper()
		if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE action = $1`,
			action).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	views, quoteViews, reports := count(audit.CustomerViewed), count(audit.QuoteViewed), count(audit.CreditReportViewed)
	got, cust, err := env.Services.Quotes.View(viewer, q.ID)
	if err != nil || got.ID != q.ID || len(got.Lines) == 0 || cust.ID != c.ID || cust.Name != "Ek AB" {
		t.Fatalf("the quote page's read: %+v, %+v, %v", got, cust, err)
	}
	if count(audit.QuoteViewed) != quoteViews+1 || count(audit.CustomerViewed) != views || count(audit.CreditReportViewed) != reports {
		t.Errorf("view events: quote %d → %d, customer %d → %d, credit reports %d → %d; want one quote view only",
			quoteViews, count(audit.QuoteViewed), views, count(audit.CustomerViewed), reports, count(audit.CreditReportViewed))
	}
	var quoteID int64
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT (details->>'quote_id')::bigint FROM audit_events
		WHERE action = $1 AND entity_type = 'customer' AND entity_id = $2 ORDER BY id DESC LIMIT 1`,
		audit.QuoteViewed, int64(c.ID)).Scan(&quoteID); err != nil || quoteID != int64(q.ID) {
		t.Errorf("the quote view is on the customer naming quote %d: %d, %v", q.ID, quoteID, err)
	}
}
