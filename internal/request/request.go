// Package request is the register of data subjects' requests (GDPR art. 12–22) and its legal clock
// (art. 12(3), declared with domain.SubjectRequest.Due): registering a request, the identity check, the
// extension, the status and the actions taken, the daily reminder to each handler and the clearing of
// the requester's details once a closed request's retention has passed.
//
// Requests are numbered per year of registration, "2026-0001": the number an answer letter and an
// auditor quote, readable without a lookup. Work that acts on a request (an erasure, a copy sent)
// records itself with RecordAction in its own transaction, or LinkAction by the request's number.
package request

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
)

// Audit actions. Their details carry ids, numbers and field names, never the requester.
const (
	Registered       = "request.registered"
	Changed          = "request.changed"
	Extended         = "request.extended"
	Identified       = "request.identified"
	CustomerLinked   = "request.customer_linked"
	ActionRecorded   = "request.action_recorded"
	RequesterCleared = "request.requester_cleared"
	Reminded         = "request.reminded"
	RetentionChanged = "request.retention_changed"
)

// Text limits.
const (
	MaxLine = 200  // a name, an e-mail address, a method, a reference
	MaxText = 4000 // an address, notes, reasons
)

// ListLimit bounds the list: a company's register of requests is small.
const ListLimit = 1000

// Mailer queues e-mail in the transaction that sends it (mail.Outbox).
type Mailer interface {
	Enqueue(ctx context.Context, tx pgx.Tx, m domain.Mail) (int64, error)
}

// Service keeps the register.
type Service struct {
	DB   *postgres.DB
	Now  func() time.Time
	Mail Mailer
}

func (s *Service) today() time.Time { return domain.CalendarDay(s.Now()) }

// Input is a new request as typed.
type Input struct {
	Kinds    []string
	Received string // YYYY-MM-DD
	Channel  string
	Name     string
	Address  string
	Email    string
	Notes    string
}

// checkText puts "error.text" or "error.too_long" on fields that are not fit to store.
func checkText(fe domain.FieldErrors, fields map[string]string, long ...string) {
	domain.CheckText(fe, fields, long...)
	for name, v := range fields {
		limit := MaxLine
		if slices.Contains(long, name) {
			limit = MaxText
		}
		if fe[name] == "" && len([]rune(v)) > limit {
			fe[name] = "error.too_long"
		}
	}
}

// parseDay reads a typed date that may not be after today; "" is nil without an error unless required.
func parseDay(fe domain.FieldErrors, name, typed string, required bool, today time.Time) *time.Time {
	typed = strings.TrimSpace(typed)
	if typed == "" {
		if required {
			fe[name] = "error.required"
		}
		return nil
	}
	d, err := time.Parse(domain.DateLayout, typed)
	switch {
	case err != nil:
		fe[name] = "error.date"
		return nil
	case d.After(today):
		fe[name] = "error.date_future"
		return nil
	}
	return &d
}

func parseKinds(fe domain.FieldErrors, typed []string) []domain.RequestKind {
	var out []domain.RequestKind
	for _, k := range domain.RequestKinds {
		if slices.Contains(typed, string(k)) {
			out = append(out, k)
		}
	}
	if len(out) == 0 || len(out) != len(typed) {
		fe["kinds"] = "requests.error.kinds"
	}
	return out
}

// validate checks a new request and returns it as it will be stored.
func (in Input) validate(today time.Time) (domain.SubjectRequest, domain.FieldErrors) {
	fe := domain.FieldErrors{}
	r := domain.SubjectRequest{Status: domain.RequestOpen, Kinds: parseKinds(fe, in.Kinds),
		Channel: domain.RequestChannel(in.Channel), Notes: strings.TrimSpace(in.Notes),
		Requester: domain.Requester{Name: strings.TrimSpace(in.Name), Address: strings.TrimSpace(in.Address),
			Email: strings.TrimSpace(in.Email)}}
	if d := parseDay(fe, "received", in.Received, true, today); d != nil {
		r.Received = *d
	}
	if !slices.Contains(domain.RequestChannels, r.Channel) {
		fe["channel"] = "requests.error.channel"
	}
	checkText(fe, map[string]string{"requester_name": r.Requester.Name, "requester_address": r.Requester.Address,
		"requester_email": r.Requester.Email, "notes": r.Notes}, "requester_address", "notes")
	if r.Requester.Name == "" && r.Requester.Email == "" && fe["requester_name"] == "" {
		fe["requester_name"] = "requests.error.requester"
	}
	if r.Requester.Email != "" && fe["requester_email"] == "" {
		if e, err := domain.NormalizeEmail(r.Requester.Email); err != nil {
			fe["requester_email"] = "error.email"
		} else {
			r.Requester.Email = e
		}
	}
	return r, fe
}

// Register stores a new request with the next number of the year; the registering user handles it.
func (s *Service) Register(ctx context.Context, in Input) (domain.SubjectRequest, error) {
	actor, err := authz.Require(ctx, authz.PrivacyManage)
	if err != nil {
		return domain.SubjectRequest{}, err
	}
	now := s.Now()
	r, fe := in.validate(domain.CalendarDay(now))
	if len(fe) > 0 {
		return r, fe
	}
	r.Year, r.CreatedAt, r.UpdatedAt = now.In(domain.Stockholm).Year(), now, now
	r.RegisteredBy = actor.AuditID()
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if r.Seq, err = postgres.NextRequestSeq(ctx, tx, r.Year); err != nil {
			return err
		}
		if r.ID, err = postgres.InsertSubjectRequest(ctx, tx, r); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, Registered, "subject_request", &r.ID,
			map[string]any{"number": r.Number(), "kinds": r.Kinds, "channel": string(r.Channel)}))
	})
	return r, err
}

// Detail is a request as its page shows it: with the users who may handle it and the day it is.
type Detail struct {
	Request  domain.SubjectRequest
	Handlers []domain.User
	Letters  []domain.RequestLetter // the answers sent, without their PDFs
	Today    time.Time
}

// Get reads request id.
func (s *Service) Get(ctx context.Context, id int64) (Detail, error) {
	if _, err := authz.Require(ctx, authz.PrivacyManage); err != nil {
		return Detail{}, err
	}
	d := Detail{Today: s.today()}
	var err error
	if d.Request, err = postgres.SubjectRequest(ctx, s.DB.Pool, id, false); err != nil {
		return d, err
	}
	if d.Letters, err = postgres.RequestLetters(ctx, s.DB.Pool, id); err != nil {
		return d, err
	}
	d.Handlers, err = postgres.RequestHandlers(ctx, s.DB.Pool)
	return d, err
}

// List is the register: the open requests (all of them when all) by due date, or by number, and today.
func (s *Service) List(ctx context.Context, all, byNumber bool) ([]domain.SubjectRequest, time.Time, error) {
	if _, err := authz.Require(ctx, authz.PrivacyManage); err != nil {
		return nil, time.Time{}, err
	}
	rs, err := postgres.SubjectRequests(ctx, s.DB.Pool, all, byNumber, ListLimit)
	return rs, s.today(), err
}

// change loads request id for update, lets edit change it (returning field errors or the audit details)
// and stores it with its audit event, in one transaction.
func (s *Service) change(ctx context.Context, id int64, action string, edit func(tx pgx.Tx, r *domain.SubjectRequest, today time.Time) (map[string]any, error)) error {
	actor, err := authz.Require(ctx, authz.PrivacyManage)
	if err != nil {
		return err
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		r, err := postgres.SubjectRequest(ctx, tx, id, true)
		if err != nil {
			return err
		}
		details, err := edit(tx, &r, domain.CalendarDay(now))
		if err != nil {
			return err
		}
		r.UpdatedAt = now
		if err := postgres.UpdateSubjectRequest(ctx, tx, r); err != nil {
			return err
		}
		details["number"] = r.Number()
		return audit.Record(ctx, tx, audit.Event(now, actor, action, "subject_request", &r.ID, details))
	})
}

// ParseNumber reads a request number as Number writes it ("2026-0001").
func ParseNumber(s string) (year, seq int, ok bool) { return domain.ParseRequestNumber(s) }

// ID is the id of the request numbered number ("2026-0001").
func (s *Service) ID(ctx context.Context, number string) (int64, error) {
	if _, err := authz.Require(ctx, authz.PrivacyManage); err != nil {
		return 0, err
	}
	year, seq, ok := ParseNumber(number)
	if !ok {
		return 0, fmt.Errorf("request number %q: %w", number, domain.ErrNotFound)
	}
	return postgres.SubjectRequestByNumber(ctx, s.DB.Pool, year, seq)
}
