package customer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
)

// Audit actions of restriction of processing (GDPR art. 18); details name fields and ids only.
const (
	Restricted        = "customer.restricted"
	RestrictionLifted = "customer.restriction_lifted"
)

// Conflicts of restricting and lifting.
var (
	AlreadyRestricted = &domain.ConflictError{Key: "restriction.already"}
	NotRestricted     = &domain.ConflictError{Key: "restriction.not_restricted"}
)

// RestrictInput is the restriction form: a ground of art. 18(1) from the list, and optionally the number
// of the data-subject request that asked for it ("2026-0001").
type RestrictInput struct {
	Reason    string
	RequestID string // the request's number, as the register shows it
}

// Validate checks the form: a listed reason, a request number written as the register writes it if any;
// it returns the reason and the number in that form ("" without one).
func (in RestrictInput) Validate() (domain.RestrictionReason, string, error) {
	fe := domain.FieldErrors{}
	reason := domain.RestrictionReason(strings.TrimSpace(in.Reason))
	if !slices.Contains(domain.RestrictionReasons, reason) {
		fe["reason"] = "restriction.error.reason"
	}
	var number string
	if r := strings.TrimSpace(in.RequestID); r != "" {
		year, seq, ok := domain.ParseRequestNumber(r)
		if !ok {
			fe["request_id"] = "restriction.error.request_id"
		}
		number = domain.RequestNumber(year, seq)
	}
	if len(fe) > 0 {
		return "", "", fe
	}
	return reason, number, nil
}

// onRequest resolves the request a restriction names (nil without one); an unknown number is the form's
// error.
func (s *Service) onRequest(ctx context.Context, tx pgx.Tx, actor authz.Actor, number string) (*int64, error) {
	if number == "" {
		return nil, nil
	}
	if s.Requests == nil {
		return nil, fmt.Errorf("restriction on request %s: no request register: %w", number, domain.ErrNotFound)
	}
	id, err := s.Requests.Resolve(ctx, tx, actor, number)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, domain.FieldErrors{"request_id": "restriction.error.request_unknown"}
	}
	return &id, err
}

// restrictionAccess is what restricting and lifting need: the data protection officer's privacy.manage
// (authz.SeesRestricted), and customer.view to have the customer's page.
func restrictionAccess(ctx context.Context) (authz.Actor, error) {
	return authz.RequireAll(ctx, authz.PrivacyManage, authz.CustomerView)
}

// ForRestriction loads a customer for the confirmation page of restricting or lifting.
func (s *Service) ForRestriction(ctx context.Context, id domain.CustomerID) (domain.Customer, error) {
	if _, err := restrictionAccess(ctx); err != nil {
		return domain.Customer{}, err
	}
	return postgres.Customer(ctx, s.DB.Pool, id)
}

// Restrict restricts processing of a customer: from now on it is stored, hidden from every list, search,
// export, label and bulk selection for all but privacy.manage holders, and refused edits and quotes.
// An anonymised customer holds nothing left to restrict.
func (s *Service) Restrict(ctx context.Context, id domain.CustomerID, in RestrictInput) error {
	actor, err := restrictionAccess(ctx)
	if err != nil {
		return err
	}
	reason, number, err := in.Validate()
	if err != nil {
		return err
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		c, err := postgres.CustomerForUpdate(ctx, tx, id)
		switch {
		case err != nil:
			return err
		case c.AnonymisedAt != nil:
			return &domain.ConflictError{Key: "customer.locked"}
		case c.Restricted():
			return AlreadyRestricted
		}
		request, err := s.onRequest(ctx, tx, actor, number)
		if err != nil {
			return err
		}
		if err := postgres.RestrictCustomer(ctx, tx, id, reason, request, actor.AuditID(), now); err != nil {
			return err
		}
		details := map[string]any{"fields": []string{"restricted_at", "restriction_reason"}}
		if request != nil {
			details["request_id"], details["request"] = *request, number
			if _, err := s.Requests.Record(ctx, tx, actor, now, *request, domain.RequestAction{Kind: domain.ActionRestricted,
				Ref: strconv.FormatInt(c.Number, 10)}); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, Restricted, entity, audit.ID(id), details))
	})
}

// Lift lifts the restriction, recording when and by whom; the person must then be told (art. 18(3)),
// which the customer page reminds of until the subject request's letter records it.
func (s *Service) Lift(ctx context.Context, id domain.CustomerID) error {
	actor, err := restrictionAccess(ctx)
	if err != nil {
		return err
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		c, err := postgres.CustomerForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		if !c.Restricted() {
			return NotRestricted
		}
		if err := postgres.LiftRestriction(ctx, tx, id, actor.AuditID(), now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, RestrictionLifted, entity, audit.ID(id),
			map[string]any{"fields": []string{"restricted_at", "restriction_lifted_at"}}))
	})
}
