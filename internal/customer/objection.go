package customer

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
)

// Audit actions of objections to direct marketing (GDPR art. 21(2)-(3)); details carry ids and field names.
const (
	ObjectionRecorded = "customer.objection_recorded"
	ObjectionLifted   = "customer.objection_lifted" // by the person's new consent
)

// ObjectionPermissions are those of which one, besides customer.view, lets a user record an objection: it
// changes the customer (customer.edit), and handling data subjects' rights is data protection work
// (privacy.manage).
var ObjectionPermissions = []authz.Permission{authz.CustomerEdit, authz.PrivacyManage}

// liftNeeded is the refusal to record marketing consent for a person whose objection is in force, unless
// the user confirms that the person's own new consent lifts it.
func liftNeeded() error { return domain.FieldErrors{"lift_objection": "error.objection_lift"} }

// ObjectionInput is the typed objection form.
type ObjectionInput struct {
	ObjectedOn, Channel string
	Request             string // the number of the data subject's request it came with ("2026-0001"), or ""
}

// Validate checks an objection; today (in Sweden) bounds its date.
func (in ObjectionInput) Validate(now time.Time) (domain.Objection, error) {
	fe := domain.FieldErrors{}
	o := domain.Objection{Channel: strings.TrimSpace(in.Channel)}
	if !slices.Contains(domain.ObjectionChannels, o.Channel) {
		fe["objection_channel"] = "error.objection_channel"
	}
	on, err := time.Parse(domain.DateLayout, strings.TrimSpace(in.ObjectedOn))
	switch {
	case err != nil:
		fe["objected_on"] = "error.date"
	case on.Format(domain.DateLayout) > now.In(domain.Stockholm).Format(domain.DateLayout):
		fe["objected_on"] = "error.date_future"
	}
	if len(fe) > 0 {
		return domain.Objection{}, fe
	}
	o.ObjectedOn = on
	return o, nil
}

// requireObjection is the actor who may record an objection: customer.view and one of ObjectionPermissions.
func requireObjection(ctx context.Context) (authz.Actor, error) {
	if _, err := authz.Require(ctx, authz.CustomerView); err != nil {
		return authz.Actor{}, err
	}
	return authz.RequireAny(ctx, ObjectionPermissions...)
}

// RecordObjection records the customer's objection to direct marketing, and withdraws marketing consent if
// it was given: from then on the customer is in no marketing export or label print, and an erasure keeps
// the objection (as hashes) for a later customer who is the same person. Anonymised customers are locked;
// an objection already in force is a conflict.
func (s *Service) RecordObjection(ctx context.Context, id domain.CustomerID, in ObjectionInput) error {
	actor, err := requireObjection(ctx)
	if err != nil {
		return err
	}
	now := s.Now()
	o, err := in.Validate(now)
	if err != nil {
		return err
	}
	o.CustomerID, o.RecordedAt = id, now
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		c, err := postgres.EditableCustomer(ctx, tx, id)
		if err != nil {
			return err
		}
		current, err := postgres.Objections(ctx, tx, id)
		if err != nil {
			return err
		}
		if len(current) > 0 && current[0].InForce() {
			return &domain.ConflictError{Key: "objection.already"}
		}
		number := strings.TrimSpace(in.Request)
		if o.RequestID, err = s.onRequest(ctx, tx, actor, number); err != nil {
			return err
		}
		evs, err := addObjection(ctx, tx, actor, o, now)
		if err != nil {
			return err
		}
		if o.RequestID != nil {
			evs[0].Details["request_id"], evs[0].Details["request"] = *o.RequestID, number
			if _, err := s.Requests.Record(ctx, tx, actor, now, *o.RequestID, domain.RequestAction{Kind: domain.ActionObjection,
				Ref: strconv.FormatInt(c.Number, 10)}); err != nil {
				return err
			}
		}
		if c.Consent {
			if err := postgres.SetConsent(ctx, tx, id, false, domain.ObjectionConsentSource, actor.AuditID(), now); err != nil {
				return err
			}
			evs = append(evs, audit.Event(now, actor, ConsentChanged, entity, audit.ID(id),
				map[string]any{"fields": []string{"marketing_consent"}}))
		} else if err := postgres.TouchCustomer(ctx, tx, id, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, evs...)
	})
}

// addObjection stores o and returns its audit event.
func addObjection(ctx context.Context, tx pgx.Tx, actor authz.Actor, o domain.Objection, now time.Time) ([]domain.AuditEvent, error) {
	oid, err := postgres.AddObjection(ctx, tx, o, actor.AuditID())
	if err != nil {
		return nil, err
	}
	details := map[string]any{"objection_id": oid, "fields": []string{"objected_on", "channel"}}
	if o.CarriedOver {
		details["carried_over"] = true
	}
	return []domain.AuditEvent{audit.Event(now, actor, ObjectionRecorded, entity, audit.ID(o.CustomerID), details)}, nil
}

// liftObjection lifts the customer's objection in force, if any, and returns the audit event of it.
func liftObjection(ctx context.Context, tx pgx.Tx, actor authz.Actor, id domain.CustomerID, now time.Time) ([]domain.AuditEvent, error) {
	oid, err := postgres.LiftObjection(ctx, tx, id, now)
	if err != nil || oid == 0 {
		return nil, err
	}
	return []domain.AuditEvent{audit.Event(now, actor, ObjectionLifted, entity, audit.ID(id),
		map[string]any{"objection_id": oid})}, nil
}

// objectionInForce reports whether the customer has an objection in force.
func objectionInForce(ctx context.Context, tx pgx.Tx, id domain.CustomerID) (bool, error) {
	os, err := postgres.Objections(ctx, tx, id)
	return len(os) > 0 && os[0].InForce(), err
}

// carriedObjection is the objection an erased customer with c's e-mail, phone or identity number had, if it
// is still in force (nil otherwise, and without the salt).
func (s *Service) carriedObjection(ctx context.Context, c domain.Customer) (*domain.ObjectionHit, error) {
	if len(s.ErasureSalt) == 0 {
		return nil, nil
	}
	return postgres.ObjectionMatch(ctx, s.DB.Pool, domain.SuppressionHashes(s.ErasureSalt, c.Email, c.Phone, c.IDNumber))
}
