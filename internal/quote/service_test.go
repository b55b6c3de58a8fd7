package quote_test

import (
	"context"
	"testing"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/quote"
	"github.com/affar/affar/internal/testutil/svctest"
)

type perms = []authz.Permission

var (
	view = perms{authz.CustomerView}
	// Quotes are customer details: making and moving them needs "edit customer details" and the view.
	edit = perms{authz.CustomerEdit, authz.CustomerView}
)

// The Service's methods: ForCustomer is in TestServicePage (to become one call with the customer page),
// Retention and SetRetention in TestServiceRetention (to move to a settings service).
func TestServiceMethods(t *testing.T) {
	svctest.Methods(t, &quote.Service{}, "Create", "Update", "SetStatus", "Recent", "Get", "ForCustomer",
		"Retention", "SetRetention")
}

func TestService(t *testing.T) {
	h := svctest.New(t)
	s := h.Services.Quotes
	c := h.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Kund AB"})
	draft, toSend := h.MustCreateQuote(t, c.ID), h.MustCreateQuote(t, c.ID)
	var (
		created domain.Quote
		got     domain.Quote
		recent  []domain.QuoteSummary
	)
	h.Run(t,
		svctest.Case{Name: "Create", Perms: edit, Audit: []string{quote.Created},
			Call: func(ctx context.Context) (err error) {
				created, err = s.Create(ctx, c.ID, line("3", "10", "25"))
				return
			},
			Check: func(t *testing.T) {
				if created.CustomerID != c.ID || created.Status != domain.QuoteDraft || len(created.Lines) != 1 {
					t.Errorf("created %+v, want a draft of one line for customer %d", created, c.ID)
				}
			}},
		svctest.Case{Name: "Update", Perms: edit, Audit: []string{quote.Changed},
			Call: func(ctx context.Context) error { return s.Update(ctx, draft.ID, line("5", "10", "25"), draft.Version) },
			Check: func(t *testing.T) {
				if q, err := s.Get(h.As(authz.CustomerView), draft.ID); err != nil || q.Version == draft.Version {
					t.Errorf("quote at version %d (%v) after the update, was %d", q.Version, err, draft.Version)
				}
			}},
		svctest.Case{Name: "SetStatus", Perms: edit, Audit: []string{quote.StatusChanged},
			Call: func(ctx context.Context) error { return s.SetStatus(ctx, toSend.ID, domain.QuoteSent) }},
		svctest.Case{Name: "Get", Perms: view,
			Call: func(ctx context.Context) (err error) { got, err = s.Get(ctx, toSend.ID); return },
			Check: func(t *testing.T) {
				if got.ID != toSend.ID || got.Status != domain.QuoteSent || got.Billing.Name != "Kund AB" {
					t.Errorf("got %+v, want quote %d sent, with its billing snapshot", got, toSend.ID)
				}
			}},
		svctest.Case{Name: "Recent", Perms: view,
			Call: func(ctx context.Context) (err error) { recent, err = s.Recent(ctx, domain.QuoteDraft); return },
			Check: func(t *testing.T) {
				if len(recent) != 2 { // draft and created; toSend was sent
					t.Errorf("%d recent drafts, want 2", len(recent))
				}
			}},
	)
}

// ForCustomer is the quotes part of the customer page; it is to become one call with customer View.
func TestServicePage(t *testing.T) {
	h := svctest.New(t)
	c := h.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Kund AB"})
	h.MustCreateQuote(t, c.ID)
	var (
		quotes []domain.Quote
		hold   domain.CustomerHold
		rule   domain.Retention
	)
	h.Run(t, svctest.Case{Name: "ForCustomer", Perms: view,
		Call: func(ctx context.Context) (err error) {
			quotes, hold, rule, err = h.Services.Quotes.ForCustomer(ctx, c.ID)
			return
		},
		Check: func(t *testing.T) {
			if len(quotes) != 1 || hold.Quote != nil || rule.Years != domain.MinRetentionYears {
				t.Errorf("%d quotes, hold %+v, rule %+v: want one draft, which holds nothing, under the default rule",
					len(quotes), hold, rule)
			}
		}})
}

// Retention and SetRetention are the company's retention setting; they are to move to a settings service.
func TestServiceRetention(t *testing.T) {
	h := svctest.New(t)
	s := h.Services.Quotes
	var r domain.Retention
	h.Run(t,
		svctest.Case{Name: "Retention", Admin: true,
			Call: func(ctx context.Context) (err error) { r, err = s.Retention(ctx); return },
			Check: func(t *testing.T) {
				if r.Years != domain.MinRetentionYears || r.FiscalYearEnd != time.December {
					t.Errorf("retention %+v, want the default: seven years, a calendar fiscal year", r)
				}
			}},
		svctest.Case{Name: "SetRetention", Admin: true, Audit: []string{quote.RetentionChanged},
			Call: func(ctx context.Context) error {
				return s.SetRetention(ctx, domain.Retention{Years: 10, FiscalYearEnd: time.June}, false)
			},
			Check: func(t *testing.T) {
				if r, err := s.Retention(h.AsAdmin()); err != nil || r.Years != 10 || r.FiscalYearEnd != time.June {
					t.Errorf("retention %+v (%v), want ten years to June", r, err)
				}
			}},
	)
}
