// Package gdpr erases customers' personal data and proves it: delete and anonymise with their rules
// (DESIGN.md §4), the PII inventory they read, the erasure register and ledger, the suppression list,
// the retention-hold release job and the subject-access export.
package gdpr

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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

// Audit actions of erasure. Keep them stable: auditors filter on them.
const (
	Anonymised   = "customer.anonymised"
	Deleted      = "customer.deleted"
	Exported     = "customer.exported"
	HoldReleased = "quote.snapshot_released"
	Replayed     = "customer.erasure_replayed"
	TextsChanged = "privacy.texts_changed"
)

// Service erases customers and exports what is stored about them.
type Service struct {
	DB     *postgres.DB
	Now    func() time.Time
	Ledger *Ledger
	Salt   []byte // keys the suppression hashes (AFFAR_ERASURE_SALT)
	// Requests records an erasure on the data subject's request it answers (request.Actions); nil
	// where no request register is wired, and then an erasure naming a request is refused.
	Requests Requests
}

// Requests finds a data subject's request by its number and records work done on it, in the
// transaction of the work.
type Requests interface {
	Resolve(ctx context.Context, tx pgx.Tx, actor authz.Actor, number string) (int64, error)
	Record(ctx context.Context, tx pgx.Tx, actor authz.Actor, now time.Time, id int64, a domain.RequestAction) (int64, error)
}

// Plan is what an erasure of one customer will do, for the confirmation page.
type Plan struct {
	Customer domain.Customer
	Kind     domain.ErasureKind
	Counts   map[string]int // what will be removed or cleared, per kind (domain.ErasureCountKeys)
	Holds    []domain.Hold  // anonymise: quote snapshots kept until their hold ends
	Blocking []domain.Hold  // delete: accepted quotes still under retention, which forbid deleting
	Already  bool           // anonymise: the customer is anonymised already
}

// RetentionError refuses to delete a customer with accounting records still under retention.
type RetentionError struct{ Holds []domain.Hold }

func (e *RetentionError) Error() string {
	return fmt.Sprintf("%d accepted quotes under retention", len(e.Holds))
}

// Unwrap makes the refusal a conflict (409).
func (e *RetentionError) Unwrap() error { return domain.ErrConflict }

// AlreadyAnonymised is the answer to anonymising an anonymised customer: nothing changes.
var AlreadyAnonymised = &domain.ConflictError{Key: "gdpr.already_anonymised"}

// Input is what the user typed on a confirmation page.
type Input struct {
	Confirm string // the customer number, typed
	Reason  string // may be empty when Request names the request: the request is the reason
	Request string // the number of the data subject's request the erasure answers, "2026-0001", or ""
}

func permFor(kind domain.ErasureKind) authz.Permission {
	if kind == domain.EraseDelete {
		return authz.CustomerDelete
	}
	return authz.CustomerAnonymise
}

func (s *Service) today() time.Time { return s.Now().In(domain.Stockholm) }

// Preview plans an erasure of one customer without changing anything.
func (s *Service) Preview(ctx context.Context, id domain.CustomerID, kind domain.ErasureKind) (Plan, error) {
	actor, err := authz.RequireAll(ctx, permFor(kind), authz.CustomerView)
	if err != nil {
		return Plan{}, err
	}
	rule, err := postgres.Retention(ctx, s.DB.Pool)
	if err != nil {
		return Plan{}, err
	}
	facts, err := postgres.ErasureFacts(ctx, s.DB.Pool, Inventory, []domain.CustomerID{id}, postgres.NoLock)
	if err != nil {
		return Plan{}, err
	}
	f := facts[id]
	if f == nil {
		return Plan{}, fmt.Errorf("customer %d: %w", id, domain.ErrNotFound)
	}
	if err := f.Customer.VisibleTo(authz.SeesRestricted(actor)); err != nil {
		return Plan{}, err
	}
	return plan(f, kind, rule, s.today()), nil
}

// plan works out an erasure of the customer f describes, on the day today, under the bookkeeping rule.
func plan(f *domain.ErasureFacts, kind domain.ErasureKind, rule domain.Retention, today time.Time) Plan {
	p := Plan{Customer: f.Customer, Kind: kind, Already: f.Customer.AnonymisedAt != nil,
		Counts: map[string]int{}}
	if !p.Already || kind == domain.EraseDelete {
		p.Counts["customer_fields"] = len(filledFields(f.Customer))
	}
	for _, t := range Inventory {
		if t.Erase == domain.EraseRows {
			p.Counts[t.CountKey] += f.Rows[t.Name] // objections count among the consent changes
		}
	}
	if kind == domain.EraseDelete {
		p.Counts["quotes"] = 0
	} else {
		p.Counts["quote_snapshots"] = 0
	}
	for _, q := range f.Quotes {
		var held *domain.Hold
		if until, ok := rule.QuoteHold(q.Status, q.DecidedAt, today); ok {
			held = &domain.Hold{QuoteID: q.ID, QuoteNumber: q.Number, Decided: domain.Day(*q.DecidedAt), Until: until}
		}
		if kind == domain.EraseDelete {
			p.Counts["quotes"]++
			if held != nil {
				p.Blocking = append(p.Blocking, *held)
			}
			continue
		}
		switch {
		case q.HeldUntil != nil: // held at an earlier anonymisation; the release job clears it
		case held != nil && q.Snapshot:
			p.Holds = append(p.Holds, *held)
		case q.Snapshot:
			p.Counts["quote_snapshots"]++
		}
	}
	return p
}

// filledFields are the customer's personal fields that hold a value, by inventory column name.
func filledFields(c domain.Customer) []string {
	var out []string
	for col, v := range personalValues(c) {
		if v != "" && v != "false" {
			out = append(out, col)
		}
	}
	slices.Sort(out)
	return out
}

// personalValues are the customer's personal fields as text, by inventory column name (the generated
// columns aside), as domain.CustomerFields declares them.
func personalValues(c domain.Customer) map[string]string {
	out := map[string]string{}
	for _, f := range domain.CustomerFields {
		if f.Personal() && !f.Generated {
			out[f.Name] = fmt.Sprint(domain.Value(&c, "db", f.Name).Interface())
		}
	}
	return out
}

// reasonOf checks the reason typed for an erasure (required, at most 500 characters) into fe, unless fe
// has a message for it already, and returns it trimmed. What it says is checked by checkReason.
func reasonOf(fe domain.FieldErrors, typed string) string {
	reason := strings.TrimSpace(typed)
	switch {
	case fe["reason"] != "":
	case reason == "":
		fe["reason"] = "error.required"
	case len([]rune(reason)) > 500:
		fe["reason"] = "error.too_long"
	}
	return reason
}

// checkReason refuses, into fe, a reason that would put personal data into the erasure register and the
// ledger, which outlive every erasure: e-mail addresses, runs of six or more digits (phone, personal and
// organisation numbers), or the name, e-mail or street of a customer of the selection (ids, or bulk job
// job's when ids is nil) or of one of their contact persons. It returns the number of the customer named,
// or 0. A reason fe refuses already is not looked at.
func checkReason(ctx context.Context, q postgres.Querier, fe domain.FieldErrors, reason string, job int64, ids []domain.CustomerID) (int64, error) {
	if fe["reason"] != "" {
		return 0, nil
	}
	// One customer's first or last name alone counts; across a bulk selection it would refuse every
	// common word that is somebody's name.
	chk, err := postgres.CheckReason(ctx, q, reason, job, ids, ids != nil)
	switch {
	case err != nil:
		return 0, err
	case chk.ContactData:
		fe["reason"] = "gdpr.error.reason_contact_data"
		return 0, nil // the refusal names nobody
	case chk.Customer != 0 && ids != nil:
		fe["reason"] = "gdpr.error.reason_personal"
	case chk.Customer != 0:
		fe["reason"] = "bulk.error.reason_personal"
	}
	return chk.Customer, nil
}

// validate checks the typed confirmation: the customer number, and a reason fit for the register.
func validate(ctx context.Context, tx pgx.Tx, in Input, c domain.Customer) (string, error) {
	fe := domain.FieldErrors{}
	domain.CheckText(fe, map[string]string{"reason": in.Reason, "confirm": in.Confirm}, "reason")
	reason := strings.TrimSpace(in.Reason)
	if in.Request == "" || reason != "" {
		reason = reasonOf(fe, in.Reason)
		if _, err := checkReason(ctx, tx, fe, reason, 0, []domain.CustomerID{c.ID}); err != nil {
			return "", err
		}
	}
	if fe["confirm"] == "" && strings.TrimSpace(in.Confirm) != strconv.FormatInt(c.Number, 10) {
		fe["confirm"] = "gdpr.error.confirm_number"
	}
	if len(fe) > 0 {
		return "", fe
	}
	return reason, nil
}

func newRef() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go ≥ 1.24)
	return hex.EncodeToString(b)
}

// Anonymise anonymises one customer (see DESIGN.md §4), records it in the erasure register, the ledger
// and the audit log, all in one transaction. Anonymising an anonymised customer changes nothing and
// answers AlreadyAnonymised.
func (s *Service) Anonymise(ctx context.Context, id domain.CustomerID, in Input) (domain.Erasure, error) {
	return s.erase(ctx, id, domain.EraseAnonymise, in)
}

// Delete removes one customer and everything that is only theirs. It is refused with a RetentionError
// while accepted quotes are under retention (anonymising is the way then).
func (s *Service) Delete(ctx context.Context, id domain.CustomerID, in Input) (domain.Erasure, error) {
	return s.erase(ctx, id, domain.EraseDelete, in)
}

func (s *Service) erase(ctx context.Context, id domain.CustomerID, kind domain.ErasureKind, in Input) (domain.Erasure, error) {
	actor, err := authz.RequireAll(ctx, permFor(kind), authz.CustomerView)
	if err != nil {
		return domain.Erasure{}, err
	}
	now := s.Now()
	e := domain.Erasure{Ref: newRef(), At: now, ActorID: actor.AuditID(), ActorName: actor.Name, Kind: kind, CustomerID: id}
	err = s.ledgeredTx(ctx, func(tx pgx.Tx) (*LedgerEntry, error) {
		facts, rule, err := lockFacts(ctx, tx, []domain.CustomerID{id})
		if err != nil {
			return nil, err
		}
		f := facts[id]
		if f == nil {
			return nil, fmt.Errorf("customer %d: %w", id, domain.ErrNotFound)
		}
		// A restricted customer is erased only by those who may see it (it is stored, not processed, for
		// everyone else, and they cannot find it).
		if err := f.Customer.VisibleTo(authz.SeesRestricted(actor)); err != nil {
			return nil, err
		}
		if kind == domain.EraseAnonymise && f.Customer.AnonymisedAt != nil {
			return nil, AlreadyAnonymised
		}
		if e.Reason, err = validate(ctx, tx, in, f.Customer); err != nil {
			return nil, err
		}
		if e.RequestID, err = s.request(ctx, tx, actor, in.Request); err != nil {
			return nil, err
		}
		e.RequestNumber = strings.TrimSpace(in.Request)
		p := plan(f, kind, rule, now)
		if len(p.Blocking) > 0 {
			return nil, &RetentionError{Holds: p.Blocking}
		}
		e.CustomerNumber, e.Counts, e.Holds = f.Customer.Number, p.Counts, p.Holds
		if err := s.apply(ctx, tx, f, p, now); err != nil {
			return nil, err
		}
		if e.ID, err = postgres.InsertErasure(ctx, tx, e); err != nil {
			return nil, err
		}
		action := Anonymised
		if kind == domain.EraseDelete {
			action = Deleted
		}
		if err := audit.Record(ctx, tx, audit.Event(now, actor, action, audit.Customer, audit.ID(id), eventDetails(e))); err != nil {
			return nil, err
		}
		if err := s.recordOnRequest(ctx, tx, actor, now, e); err != nil {
			return nil, err
		}
		entry := ledgerEntry(e, f.Customer.CreatedAt)
		return &entry, nil
	})
	return e, err
}

// ErasureRefPrefix starts the ref of a request's action that is an erasure register entry, followed by
// the entry's id: the request's page links it to the register.
const ErasureRefPrefix = "erasures/"

// request resolves the request an erasure names (none: 0) for an actor who may handle requests.
func (s *Service) request(ctx context.Context, tx pgx.Tx, actor authz.Actor, number string) (int64, error) {
	number = strings.TrimSpace(number)
	if number == "" {
		return 0, nil
	}
	if s.Requests == nil {
		return 0, fmt.Errorf("erasure on request %s: no request register: %w", number, domain.ErrNotFound)
	}
	return s.Requests.Resolve(ctx, tx, actor, number)
}

// recordOnRequest records erasure e on the request it answers, if any.
func (s *Service) recordOnRequest(ctx context.Context, tx pgx.Tx, actor authz.Actor, now time.Time, e domain.Erasure) error {
	if e.RequestID == 0 {
		return nil
	}
	_, err := s.Requests.Record(ctx, tx, actor, now, e.RequestID, domain.RequestAction{Kind: domain.ActionErased,
		Ref: ErasureRefPrefix + strconv.FormatInt(e.ID, 10)})
	return err
}

// LedgerWritable tells whether the erasure ledger can be written, without writing (readiness): while it
// cannot, every erasure fails closed.
func (s *Service) LedgerWritable() error { return s.Ledger.Writable() }

// lockFacts locks the customers in ids (those that exist) and reads what an erasure of them needs, with
// the bookkeeping retention rule.
func lockFacts(ctx context.Context, tx pgx.Tx, ids []domain.CustomerID) (map[domain.CustomerID]*domain.ErasureFacts, domain.Retention, error) {
	rule, err := postgres.Retention(ctx, tx)
	if err != nil {
		return nil, rule, err
	}
	facts, err := postgres.ErasureFacts(ctx, tx, Inventory, ids, postgres.LockForUpdate)
	return facts, rule, err
}

// ledgeredTx runs fn in a transaction that ends by writing the intent of the erasure fn made to the
// ledger (fn returns it, or nil when it erased nothing), then settles the intent once the outcome is
// known: the ledger protocol of every erasure (see Ledger).
func (s *Service) ledgeredTx(ctx context.Context, fn func(tx pgx.Tx) (*LedgerEntry, error)) error {
	var (
		entry    LedgerEntry
		intended bool // the intent may be in the ledger
		prepared bool // the transaction's work is done: an error now came from COMMIT
	)
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		// Every erasure reads a few rows per customer from each table: index look-ups, see PreferIndexes.
		if err := postgres.PreferIndexes(ctx, tx); err != nil {
			return err
		}
		e, err := fn(tx)
		if err != nil || e == nil {
			return err
		}
		entry = *e
		if entry.Txid, entry.System, entry.Database, err = postgres.TxIdentity(ctx, tx); err != nil {
			return err
		}
		// Last, so an intent is written only for an erasure about to commit.
		intended = true
		if err := s.Ledger.Intend(entry); err != nil {
			return err
		}
		prepared = true
		return nil
	})
	if intended {
		s.settle(ctx, entry, err == nil, !prepared)
	}
	return err
}

// apply erases the customer f describes as p plans, and keeps the suppression (and objection) hashes.
func (s *Service) apply(ctx context.Context, tx pgx.Tx, f *domain.ErasureFacts, p Plan, now time.Time) error {
	c := f.Customer
	if err := keepHashes(ctx, tx, s.Salt, []domain.Customer{c}, now); err != nil {
		return err
	}
	var (
		done []domain.CustomerID
		err  error
	)
	if p.Kind == domain.EraseDelete {
		done, err = postgres.DeleteCustomers(ctx, tx, Inventory, []domain.CustomerID{c.ID})
	} else {
		done, err = postgres.AnonymiseCustomers(ctx, tx, Inventory, []domain.CustomerID{c.ID}, p.Holds, now)
	}
	if err == nil && len(done) != 1 {
		err = fmt.Errorf("erase customer %d: not changed", c.ID) // the row is locked: cannot happen
	}
	return err
}

// settle writes an erasure's outcome to the ledger. A transaction that failed before COMMIT surely rolled
// back; when COMMIT itself failed (a lost connection), PostgreSQL's commit log is asked, and if it cannot
// tell, the intent stays open for Reconcile. If writing the outcome fails, Reconcile settles it later.
func (s *Service) settle(ctx context.Context, e LedgerEntry, committed, rolledBack bool) {
	switch {
	case committed:
		_ = s.Ledger.Settle(e.Ref, true, s.Now())
	case rolledBack:
		_ = s.Ledger.Settle(e.Ref, false, s.Now())
	default:
		_, _ = s.settleFromLog(context.WithoutCancel(ctx), e)
	}
}

// settleFromLog settles an intent by the fate of its transaction, if PostgreSQL knows it.
func (s *Service) settleFromLog(ctx context.Context, e LedgerEntry) (bool, error) {
	if e.Txid == 0 {
		return false, nil
	}
	status, err := postgres.TxStatus(ctx, s.DB.Pool, e.Txid, e.System, e.Database)
	if err != nil || (status != "committed" && status != "aborted") {
		return false, err
	}
	return true, s.Ledger.Settle(e.Ref, status == "committed", s.Now())
}

// Reconcile settles the ledger's open intents (the process died between commit and outcome) by asking
// PostgreSQL whether their transactions committed. Intents it cannot decide (another cluster, a restored
// database elsewhere, a transaction too old) stay open, and a replay applies them. Serve runs it at start.
func (s *Service) Reconcile(ctx context.Context) (int, error) {
	n := 0
	err := s.Ledger.Walk(func(r LedgerRecord) error {
		done, err := s.settleFromLog(ctx, r.LedgerEntry)
		if done {
			n++
		}
		return err
	}, true)
	return n, err
}

// eventDetails are the audit details of an erasure: its register entry and what was removed, except the
// credit reports, whose very existence is shown only to users with credit-report access (audit.Hidden).
func eventDetails(e domain.Erasure) map[string]any {
	counts := map[string]any{}
	for k, v := range e.Counts {
		if k != "credit_reports" {
			counts[k] = v
		}
	}
	d := map[string]any{"erasure_id": e.ID, "ref": e.Ref, "counts": counts}
	if e.RequestID != 0 {
		d["request_id"], d["request"] = e.RequestID, e.RequestNumber
	}
	if len(e.Holds) > 0 {
		held := make([]any, len(e.Holds))
		for i, h := range e.Holds {
			held[i] = int64(h.QuoteID)
		}
		d["held_quote_ids"] = held
	}
	return d
}

func ledgerEntry(e domain.Erasure, created time.Time) LedgerEntry {
	reg := &RegisterEntry{ActorID: e.ActorID, ActorName: e.ActorName, Counts: e.Counts, Reason: e.Reason}
	for _, h := range e.Holds {
		reg.Holds = append(reg.Holds, LedgerHold{QuoteID: h.QuoteID, Number: h.QuoteNumber, Until: h.Until.Format(domain.DateLayout)})
	}
	return LedgerEntry{Ref: e.Ref, At: e.At, Kind: e.Kind,
		Customers: []LedgerCustomer{{ID: e.CustomerID, Number: e.CustomerNumber, Created: created}}, Register: reg}
}
