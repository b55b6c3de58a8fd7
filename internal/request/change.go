package request

import (
	"context"
	"errors"
	"fmt"
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

// Change is the status form as typed: status (with the reason of a refusal), handler, kinds and notes.
type Change struct {
	Status        string
	RefusalReason string
	Handler       string // a user id; "" keeps none
	Kinds         []string
	Notes         string
	Version       int // the version the form was read at: a change made meanwhile is not overwritten
}

// Update changes a request's status, handler, kinds and notes. Answering or refusing closes it today,
// which starts the requester's retention; reopening clears that.
func (s *Service) Update(ctx context.Context, id int64, in Change) error {
	return s.change(ctx, id, Changed, func(tx pgx.Tx, r *domain.SubjectRequest, today time.Time) (map[string]any, error) {
		if in.Version != 0 && in.Version != r.Version {
			return nil, &domain.ConflictError{Key: "requests.error.changed"}
		}
		fe := domain.FieldErrors{}
		status := domain.RequestStatus(in.Status)
		if !slices.Contains(domain.RequestStatuses, status) {
			fe["status"] = "requests.error.status"
		}
		kinds := parseKinds(fe, in.Kinds)
		reason, notes := strings.TrimSpace(in.RefusalReason), strings.TrimSpace(in.Notes)
		checkText(fe, map[string]string{"refusal_reason": reason, "notes": notes}, "refusal_reason", "notes")
		if status == domain.RequestRefused && reason == "" && fe["refusal_reason"] == "" {
			fe["refusal_reason"] = "requests.error.refusal_reason"
		}
		handler, err := s.handler(ctx, tx, fe, in.Handler)
		if err != nil {
			return nil, err
		}
		if len(fe) > 0 {
			return nil, fe
		}
		var fields []string
		note := func(name string, differs bool) {
			if differs {
				fields = append(fields, name)
			}
		}
		note("status", status != r.Status)
		note("kinds", !slices.Equal(kinds, r.Kinds))
		note("refusal_reason", reason != r.RefusalReason)
		note("notes", notes != r.Notes)
		note("handler", !sameUser(handler, r.Handler))
		if status.Closed() && !r.Status.Closed() {
			r.Closed = &today
		} else if !status.Closed() {
			r.Closed = nil
		}
		if status != domain.RequestRefused {
			reason = ""
		}
		r.Status, r.Kinds, r.RefusalReason, r.Notes, r.Handler = status, kinds, reason, notes, handler
		return map[string]any{"fields": fields, "status": string(status)}, nil
	})
}

func sameUser(a, b *domain.UserID) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// handler reads the typed handler: one of the users who may handle requests.
func (s *Service) handler(ctx context.Context, tx pgx.Tx, fe domain.FieldErrors, typed string) (*domain.UserID, error) {
	if strings.TrimSpace(typed) == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(typed, 10, 64)
	if err != nil {
		fe["handler"] = "requests.error.handler"
		return nil, nil
	}
	us, err := postgres.RequestHandlers(ctx, tx)
	if err != nil {
		return nil, err
	}
	id := domain.UserID(n)
	if !slices.ContainsFunc(us, func(u domain.User) bool { return u.ID == id }) {
		fe["handler"] = "requests.error.handler"
		return nil, nil
	}
	return &id, nil
}

// Extension is the extension form as typed.
type Extension struct {
	Months   string // "1" or "2": the months added, at most two in all
	Reason   string
	Notice   string // how the person was told, with the reasons
	NoticeOn string // the day they were told
}

// Extend extends the period by up to two months (art. 12(3)): with the reasons, and the notice to the
// person, both within the first month. After the first month it is refused.
func (s *Service) Extend(ctx context.Context, id int64, in Extension) error {
	return s.change(ctx, id, Extended, func(_ pgx.Tx, r *domain.SubjectRequest, today time.Time) (map[string]any, error) {
		if !r.CanExtend(today) {
			return nil, &domain.ConflictError{Key: "requests.error.extend_late"}
		}
		fe := domain.FieldErrors{}
		months, err := strconv.Atoi(strings.TrimSpace(in.Months))
		if err != nil || months < 1 || r.ExtendedMonths+months > domain.MaxExtensionMonths {
			fe["months"] = "requests.error.months"
		}
		reason, notice := strings.TrimSpace(in.Reason), strings.TrimSpace(in.Notice)
		checkText(fe, map[string]string{"extension_reason": reason, "extension_notice": notice}, "extension_reason", "extension_notice")
		for name, v := range map[string]string{"extension_reason": reason, "extension_notice": notice} {
			if v == "" && fe[name] == "" {
				fe[name] = "error.required"
			}
		}
		on := parseDay(fe, "notice_on", in.NoticeOn, true, today)
		if on != nil && (on.Before(r.Received) || on.After(r.FirstMonthEnd())) {
			fe["notice_on"] = "requests.error.notice_on"
		}
		if len(fe) > 0 {
			return nil, fe
		}
		r.ExtendedMonths += months
		r.ExtensionReason, r.ExtensionNotice, r.ExtensionNoticeOn = reason, notice, on
		return map[string]any{"months": r.ExtendedMonths, "due": r.Due().Format(domain.DateLayout)}, nil
	})
}

// Identity is the identity check as typed.
type Identity struct {
	Method    string // how the person's identity was checked
	CheckedOn string
}

// Identify records how and when the requester's identity was checked, and by whom (the actor). The clock
// is not moved by it: it runs from receipt.
func (s *Service) Identify(ctx context.Context, id int64, in Identity) error {
	actor, _ := authz.ActorFrom(ctx)
	return s.change(ctx, id, Identified, func(_ pgx.Tx, r *domain.SubjectRequest, today time.Time) (map[string]any, error) {
		fe := domain.FieldErrors{}
		method := strings.TrimSpace(in.Method)
		checkText(fe, map[string]string{"identity_method": method})
		if method == "" && fe["identity_method"] == "" {
			fe["identity_method"] = "error.required"
		}
		on := parseDay(fe, "identity_on", in.CheckedOn, true, today)
		if on != nil && on.Before(r.Received) {
			fe["identity_on"] = "requests.error.before_received"
		}
		if len(fe) > 0 {
			return nil, fe
		}
		r.IdentityMethod, r.IdentityCheckedOn, r.IdentityBy = method, on, actor.AuditID()
		if r.Status == domain.RequestIdentifying {
			r.Status = domain.RequestInProgress
		}
		return map[string]any{"fields": []string{"identity_method", "identity_checked_on"}}, nil
	})
}

// LinkCustomer links the customer numbered number (found through the customer search) to the request;
// linking one takes back "no data found".
func (s *Service) LinkCustomer(ctx context.Context, id int64, number string) error {
	return s.change(ctx, id, CustomerLinked, func(tx pgx.Tx, r *domain.SubjectRequest, _ time.Time) (map[string]any, error) {
		n, err := strconv.ParseInt(strings.TrimSpace(number), 10, 64)
		if err != nil || n <= 0 {
			return nil, domain.FieldErrors{"customer_number": "error.number"}
		}
		cid, err := postgres.CustomerIDByNumber(ctx, tx, n)
		if err != nil {
			if errors.Is(err, domain.ErrNotFound) {
				return nil, domain.FieldErrors{"customer_number": "requests.error.no_customer"}
			}
			return nil, err
		}
		if _, err := postgres.AddRequestCustomer(ctx, tx, r.ID, domain.RequestCustomer{ID: cid, Number: n}); err != nil {
			return nil, err
		}
		r.NoData = false
		id := int64(cid)
		return map[string]any{"customer_id": id, "customer": n}, nil
	})
}

// NoData records that the handler searched and found no data of the person (the answer says so).
func (s *Service) NoData(ctx context.Context, id int64) error {
	return s.change(ctx, id, Changed, func(_ pgx.Tx, r *domain.SubjectRequest, _ time.Time) (map[string]any, error) {
		if len(r.Customers) > 0 {
			return nil, &domain.ConflictError{Key: "requests.error.has_customers"}
		}
		r.NoData = true
		return map[string]any{"fields": []string{"no_data"}}, nil
	})
}

// ActionInput is an action taken, as typed or as the code that took it describes it.
type ActionInput struct {
	Kind string // a domain.RequestActionKinds value
	Ref  string // what was done: an erasure's ref, a job's id; never a person's data
	Note string
}

func (in ActionInput) validate() (domain.RequestAction, error) {
	fe := domain.FieldErrors{}
	a := domain.RequestAction{Kind: domain.RequestActionKind(in.Kind), Ref: strings.TrimSpace(in.Ref), Note: strings.TrimSpace(in.Note)}
	if !slices.Contains(domain.RequestActionKinds, a.Kind) {
		fe["action_kind"] = "requests.error.action_kind"
	}
	checkText(fe, map[string]string{"action_ref": a.Ref, "action_note": a.Note}, "action_note")
	if len(fe) > 0 {
		return a, fe
	}
	return a, nil
}

// AddAction records an action taken on request id.
func (s *Service) AddAction(ctx context.Context, id int64, in ActionInput) error {
	actor, err := authz.Require(ctx, authz.PrivacyManage)
	if err != nil {
		return err
	}
	a, err := in.validate()
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		_, err := RecordAction(ctx, tx, actor, s.Now(), id, a)
		return err
	})
}

// LinkAction records an action taken on the request numbered number ("2026-0001").
func (s *Service) LinkAction(ctx context.Context, number string, in ActionInput) error {
	id, err := s.ID(ctx, number)
	if err != nil {
		return err
	}
	return s.AddAction(ctx, id, in)
}

// RecordAction records action a on request id, with its audit event, in tx: work that acts on a request
// (an erasure, a restriction) calls it in its own transaction so the action and the work commit together.
// The caller has authorised actor. It returns the action's id.
func RecordAction(ctx context.Context, tx pgx.Tx, actor authz.Actor, now time.Time, id int64, a domain.RequestAction) (int64, error) {
	r, err := postgres.SubjectRequest(ctx, tx, id, true)
	if err != nil {
		return 0, err
	}
	a.At, a.By = now, actor.AuditID()
	if a.ID, err = postgres.InsertRequestAction(ctx, tx, id, a); err != nil {
		return 0, err
	}
	return a.ID, audit.Record(ctx, tx, audit.Event(now, actor, ActionRecorded, "subject_request", &id,
		map[string]any{"number": r.Number(), "action": string(a.Kind), "action_id": a.ID}))
}

// Actions lets other services' work record itself on a request (gdpr.Requests): they find the request
// by its number and record what they did in their own transaction.
type Actions struct{}

// Resolve is the id of the request numbered number, for an actor who may handle requests.
func (Actions) Resolve(ctx context.Context, tx pgx.Tx, actor authz.Actor, number string) (int64, error) {
	if !actor.Can(authz.PrivacyManage) {
		return 0, fmt.Errorf("act on request: %w", domain.ErrForbidden)
	}
	year, seq, ok := ParseNumber(number)
	if !ok {
		return 0, fmt.Errorf("request number %q: %w", number, domain.ErrNotFound)
	}
	return postgres.SubjectRequestByNumber(ctx, tx, year, seq)
}

// Record is RecordAction.
func (Actions) Record(ctx context.Context, tx pgx.Tx, actor authz.Actor, now time.Time, id int64, a domain.RequestAction) (int64, error) {
	return RecordAction(ctx, tx, actor, now, id, a)
}
