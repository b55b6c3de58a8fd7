package customer

import (
	"context"
	"time"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
)

// AccessLogPageSize is how many events a page of a customer's access log reads; folded, it shows fewer lines.
const AccessLogPageSize = 100

// AccessQuery asks for a page of a customer's access log: events from From and before To (zero: no
// bound), older than the event Before (0: from the newest).
type AccessQuery struct {
	From, To time.Time
	Before   int64
}

// AccessPage is a page of a customer's access log, newest first.
type AccessPage struct {
	Number  int64 // the customer's number, for the heading (the page shows no other data of theirs)
	Entries []audit.Entry
	Older   int64 // the cursor of the next, older page; 0 on the last
}

// AccessLog is a page of who viewed or changed the customer, for whoever may read the audit log.
func (s *Service) AccessLog(ctx context.Context, id domain.CustomerID, q AccessQuery) (AccessPage, error) {
	actor, err := authz.RequireAll(ctx, authz.AuditView, authz.CustomerView)
	if err != nil {
		return AccessPage{}, err
	}
	c, err := postgres.Customer(ctx, s.DB.Pool, id)
	if err == nil {
		err = c.VisibleTo(authz.SeesRestricted(actor))
	}
	if err != nil {
		return AccessPage{}, err
	}
	events, names, more, err := postgres.EntityAuditPage(ctx, s.DB.Pool, entity, int64(id), q.Before, q.From, q.To,
		AccessLogPageSize, audit.Hidden(ctx))
	if err != nil {
		return AccessPage{}, err
	}
	p := AccessPage{Number: c.Number}
	for i := range events {
		p.Entries = append(p.Entries, audit.Entry{AuditEvent: events[i], ActorName: names[i]})
	}
	if more {
		p.Older = events[len(events)-1].ID
	}
	return p, nil
}
