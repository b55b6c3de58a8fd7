package quote_test

import (
	"context"
	"testing"

	"github.com/affar/affar/internal/audit"
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

// The Service's methods. A customer's quotes are read by the customer page (customer.Service.View), the
// retention setting by the settings service.
func TestServiceMethods(t *testing.T) {
	svctest.Methods(t, &quote.Service{}, "Create", "Update", "SetStatus", "ForEdit", "View", "Recent", "Preview", "List")
}

func TestService(t *testing.T) {
	h := svctest.New(t)
	s := h.Services.Quotes
	c := h.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Kund AB"})
	draft, toSend := h.MustCreateQuote(t, c.ID), h.MustCreateQuote(t, c.ID)
	var (
		created domain.Quote
		got     domain.Quote
		gotFor  domain.Customer
		recent  []domain.QuoteSummary
		preview domain.QuotePreview
		page    domain.QuotePage
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
				if q, _, err := s.ForEdit(h.As(edit...), draft.ID); err != nil || q.Version == draft.Version {
					t.Errorf("quote at version %d (%v) after the update, was %d", q.Version, err, draft.Version)
				}
			}},
		svctest.Case{Name: "SetStatus", Perms: edit, Audit: []string{quote.StatusChanged},
			Call: func(ctx context.Context) error { return s.SetStatus(ctx, toSend.ID, domain.QuoteSent) }},
		svctest.Case{Name: "ForEdit", Perms: edit, Audit: []string{audit.QuoteViewed},
			Call: func(ctx context.Context) (err error) { got, gotFor, err = s.ForEdit(ctx, draft.ID); return },
			Check: func(t *testing.T) {
				if got.ID != draft.ID || got.Status != domain.QuoteDraft || gotFor.ID != c.ID {
					t.Errorf("got %+v for customer %d, want draft %d of customer %d", got, gotFor.ID, draft.ID, c.ID)
				}
			}},
		svctest.Case{Name: "View", Perms: view, Audit: []string{audit.QuoteViewed},
			Call: func(ctx context.Context) (err error) { got, gotFor, err = s.View(ctx, toSend.ID); return },
			Check: func(t *testing.T) {
				if got.ID != toSend.ID || got.Status != domain.QuoteSent || got.Billing.Name != "Kund AB" || gotFor.ID != c.ID {
					t.Errorf("got %+v, want quote %d sent, with its billing snapshot", got, toSend.ID)
				}
			}},
		svctest.Case{Name: "Recent", Perms: view,
			Call: func(ctx context.Context) (err error) {
				recent, err = s.Recent(ctx, domain.Segment{}, domain.QuoteDraft)
				return
			},
			Check: func(t *testing.T) {
				if len(recent) != 2 { // draft and created; toSend was sent
					t.Errorf("%d recent drafts, want 2", len(recent))
				}
			}},
		svctest.Case{Name: "Preview", Perms: edit,
			Call: func(ctx context.Context) (err error) {
				preview, err = s.Preview(ctx, line("3", "100", "25").Lines)
				return
			},
			Check: func(t *testing.T) {
				if preview.Totals.TotalOre != 37500 || len(preview.Nets) != 1 || preview.Nets[0] == nil || *preview.Nets[0] != 30000 {
					t.Errorf("preview of 3 × 100 at 25 %%: %+v, want 300 net and 375 in all", preview)
				}
			}},
		svctest.Case{Name: "List", Perms: view,
			Call: func(ctx context.Context) (err error) {
				page, err = s.List(ctx, domain.QuoteFilter{Status: domain.QuoteSent, Sort: domain.QuoteSortTotal})
				return
			},
			Check: func(t *testing.T) {
				if page.Total != 1 || len(page.Rows) != 1 || page.Rows[0].Quote.ID != toSend.ID || page.Rows[0].CustomerName != "Kund AB" {
					t.Errorf("sent quotes: %+v, want quote %d of Kund AB", page, toSend.ID)
				}
			}},
	)
}
