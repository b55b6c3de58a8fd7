// Package quote is the service for the CRM/quote area: quotes to customers, their status from draft to a
// decision and the billing snapshot taken when a quote is sent. An accepted quote (a sale) holds the
// customer's personal data under the bookkeeping rule (domain.Retention, set in package settings).
package quote

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
)

// Audit actions of quotes.
const (
	Created       = "quote.created"
	Changed       = "quote.changed"
	StatusChanged = "quote.status_changed"
)

const entity = "quote"

// Stale is the conflict of an edit made on a quote someone else changed since the form was opened.
var Stale = &domain.ConflictError{Key: "quote.stale"}

// NotDraft is the conflict of editing a quote that has been sent: only drafts change.
var NotDraft = &domain.ConflictError{Key: "quote.not_draft"}

// Service is the quote service.
type Service struct {
	DB  *postgres.DB
	Now func() time.Time
}

// lockQuote locks a quote's customer (refusing anonymised ones), then the quote: customer first, the order
// an erasure locks in, so the two cannot deadlock.
func lockQuote(ctx context.Context, tx pgx.Tx, id domain.QuoteID) (domain.Quote, domain.Customer, error) {
	customer, err := postgres.QuoteCustomer(ctx, tx, id)
	if err != nil {
		return domain.Quote{}, domain.Customer{}, err
	}
	c, err := postgres.EditableCustomer(ctx, tx, customer)
	if err != nil {
		return domain.Quote{}, c, err
	}
	q, err := postgres.Quote(ctx, tx, id, true)
	return q, c, err
}

// Create stores a draft quote for a customer. Creating and editing quotes needs "edit customer details"
// (and "view customer": the form shows who the quote is for).
func (s *Service) Create(ctx context.Context, customer domain.CustomerID, in domain.QuoteInput) (domain.Quote, error) {
	actor, err := authz.RequireAll(ctx, authz.CustomerEdit, authz.CustomerView)
	if err != nil {
		return domain.Quote{}, err
	}
	f, err := in.Validate()
	if err != nil {
		return domain.Quote{}, err
	}
	now := s.Now()
	var q domain.Quote
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := postgres.EditableCustomer(ctx, tx, customer); err != nil {
			return err
		}
		if q, err = postgres.CreateQuote(ctx, tx, customer, f, now); err != nil {
			return err
		}
		if err := postgres.TouchCustomerActivity(ctx, tx, customer, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, Created, entity, audit.ID(q.ID),
			map[string]any{"customer_id": int64(customer), "lines": len(f.Lines)}))
	})
	return q, err
}

// Update replaces a draft's dates and lines if it is still at version.
func (s *Service) Update(ctx context.Context, id domain.QuoteID, in domain.QuoteInput, version int) error {
	actor, err := authz.RequireAll(ctx, authz.CustomerEdit, authz.CustomerView)
	if err != nil {
		return err
	}
	f, err := in.Validate()
	if err != nil {
		return err
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		q, _, err := lockQuote(ctx, tx, id)
		if err != nil {
			return err
		}
		if q.Status != domain.QuoteDraft {
			return NotDraft
		}
		if q.Version != version {
			return Stale
		}
		if err := postgres.UpdateQuote(ctx, tx, id, f, now); err != nil {
			return err
		}
		if err := postgres.TouchCustomerActivity(ctx, tx, q.CustomerID, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, Changed, entity, audit.ID(id),
			map[string]any{"customer_id": int64(q.CustomerID), "lines": len(f.Lines)}))
	})
}

// SetStatus moves a quote on: sending takes the snapshot of the customer's billing details; accepting
// makes it a sale, which holds the customer's personal data for the retention period.
func (s *Service) SetStatus(ctx context.Context, id domain.QuoteID, next domain.QuoteStatus) error {
	actor, err := authz.RequireAll(ctx, authz.CustomerEdit, authz.CustomerView)
	if err != nil {
		return err
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		q, c, err := lockQuote(ctx, tx, id)
		if err != nil {
			return err
		}
		return move(ctx, tx, actor, q, c, next, now)
	})
}

// move moves q (locked, with its customer c) to next in tx, with its audit event.
func move(ctx context.Context, tx pgx.Tx, actor authz.Actor, q domain.Quote, c domain.Customer, next domain.QuoteStatus, now time.Time) error {
	id := q.ID
	if !q.Status.CanBecome(next) {
		return &domain.ConflictError{Key: "quote.bad_transition"}
	}
	var billing *domain.Billing
	if next == domain.QuoteSent {
		if len(q.Lines) == 0 {
			return &domain.ConflictError{Key: "quote.no_lines"}
		}
		b := c.Billing()
		billing = &b
	}
	if err := postgres.SetQuoteStatus(ctx, tx, id, next, billing, now); err != nil {
		return err
	}
	if err := postgres.TouchCustomerActivity(ctx, tx, q.CustomerID, now); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Event(now, actor, StatusChanged, entity, audit.ID(id),
		map[string]any{"customer_id": int64(q.CustomerID), "from": string(q.Status), "to": string(next)}))
}

// ForEdit loads a draft with its lines and the customer it is for, for the edit form, and records the view
// of the customer's name it shows, as View does; quotes that were sent, and those of anonymised customers,
// are not edited.
func (s *Service) ForEdit(ctx context.Context, id domain.QuoteID) (domain.Quote, domain.Customer, error) {
	actor, err := authz.RequireAll(ctx, authz.CustomerEdit, authz.CustomerView)
	if err != nil {
		return domain.Quote{}, domain.Customer{}, err
	}
	return s.viewed(ctx, actor, id, func(q domain.Quote, c domain.Customer) error {
		if q.Status != domain.QuoteDraft {
			return NotDraft
		}
		return c.Editable()
	})
}

// View loads a quote with its lines and the customer it is for, for the quote page, and records the view
// of the customer's personal data the page shows (the name, and a sent quote's billing snapshot).
func (s *Service) View(ctx context.Context, id domain.QuoteID) (domain.Quote, domain.Customer, error) {
	actor, err := authz.Require(ctx, authz.CustomerView)
	if err != nil {
		return domain.Quote{}, domain.Customer{}, err
	}
	return s.viewed(ctx, actor, id, func(_ domain.Quote, c domain.Customer) error {
		return c.VisibleTo(authz.SeesRestricted(actor))
	})
}

// viewed reads quote id and its customer in one transaction and, if check lets them be shown, records the
// view of the customer's personal data (quote.viewed, on the customer, naming the quote) in it.
func (s *Service) viewed(ctx context.Context, actor authz.Actor, id domain.QuoteID,
	check func(domain.Quote, domain.Customer) error) (domain.Quote, domain.Customer, error) {
	var (
		q domain.Quote
		c domain.Customer
	)
	err := s.DB.InTx(ctx, func(tx pgx.Tx) (err error) {
		if q, err = postgres.Quote(ctx, tx, id, false); err != nil {
			return err
		}
		if c, err = postgres.Customer(ctx, tx, q.CustomerID); err != nil {
			return err
		}
		if err = check(q, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(s.Now(), actor, audit.QuoteViewed, audit.Customer, audit.ID(c.ID),
			map[string]any{"quote_id": int64(q.ID)}))
	})
	if err != nil {
		return domain.Quote{}, domain.Customer{}, err
	}
	return q, c, nil
}

// RecentLimit is how many quotes the CRM screen's "Senaste offerter" lists.
const RecentLimit = 20

// Recent lists the newest quotes of the segment's customers (of one status, unless status is ""), for the
// CRM screen.
func (s *Service) Recent(ctx context.Context, seg domain.Segment, status domain.QuoteStatus) ([]domain.QuoteSummary, error) {
	actor, err := authz.Require(ctx, authz.CustomerView)
	if err != nil {
		return nil, err
	}
	seg.ShowRestricted = authz.SeesRestricted(actor)
	return postgres.RecentQuotes(ctx, s.DB.Pool, seg, status, RecentLimit)
}

// Preview sums a quote form as typed, without saving anything: the form's running totals. It needs what
// the form needs.
func (s *Service) Preview(ctx context.Context, lines []domain.QuoteLineInput) (domain.QuotePreview, error) {
	if _, err := authz.RequireAll(ctx, authz.CustomerEdit, authz.CustomerView); err != nil {
		return domain.QuotePreview{}, err
	}
	return domain.PreviewQuote(lines), nil
}

// List is one page of all quotes with their customers, for the quote list.
func (s *Service) List(ctx context.Context, f domain.QuoteFilter) (domain.QuotePage, error) {
	actor, err := authz.Require(ctx, authz.CustomerView)
	if err != nil {
		return domain.QuotePage{}, err
	}
	f.ShowRestricted = authz.SeesRestricted(actor)
	return postgres.ListQuotes(ctx, s.DB.Pool, f)
}
