package quote_test

import (
	"context"
	"errors"
	"testing"

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
