// Package export lets personal data leave the system the three ways the business needs: the customer
// register (CSV, XLSX), e-mail addresses for a mailing (CSV) and address labels (PDF). Each is behind its
// own permission, rate-limited per user and audited with its filter and row count before any row is sent.
package export

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
)

// Audit actions of exports; the rate limit counts every action with this prefix.
const (
	ActionRegister = "export.register"
	ActionEmails   = "export.emails"
	ActionLabels   = "export.labels"
	ActionAudit    = "export.audit"
)

// MaxLabels caps one print: 5,000 labels are 209 sheets, more than anyone feeds a printer at once.
const MaxLabels = 5000

// Limit is how many exports one user may make within Window.
type Limit struct {
	Max    int
	Window time.Duration
}

// DefaultLimit allows a working day's exports and stops a script scraping the register.
var DefaultLimit = Limit{Max: 10, Window: 10 * time.Minute}

// LimitedError says when the user may export again.
type LimitedError struct{ Until time.Time }

func (e *LimitedError) Error() string { return "too many exports" }
func (e *LimitedError) Unwrap() error { return domain.ErrThrottled }

// Service runs exports.
type Service struct {
	DB    *postgres.DB
	Now   func() time.Time
	Limit Limit

	// running bounds the exports streaming at once. Each holds a connection for its snapshot and briefly
	// needs a second for its audit event, so without a bound a few at once could take the whole pool and
	// wait for each other (and every other request) for ever.
	running chan struct{}
	// mine holds the users with an export streaming: one each, so one user's slow downloads cannot take
	// every slot.
	mu   sync.Mutex
	mine map[domain.UserID]bool
}

// MaxRunning is how many exports stream at once; the default pool has at least four connections.
const MaxRunning = 2

// New returns the export service. The bound leaves a connection of the pool for the audit events (and
// at least one more for everything else when the pool allows).
func New(db *postgres.DB, now func() time.Time, limit Limit) *Service {
	n := min(MaxRunning, max(1, int(db.Pool.Config().MaxConns)-2))
	return &Service{DB: db, Now: now, Limit: limit, running: make(chan struct{}, n), mine: map[domain.UserID]bool{}}
}

// Request is what to export: the CRM filter as parsed and as typed (recorded in the audit event), and for
// labels optionally the customers ticked on the CRM screen.
type Request struct {
	Segment domain.Segment
	Filter  map[string]string
	IDs     []domain.CustomerID
}

// Sink receives an export: Begin with the row count once the export is recorded, then each customer (with
// the first contact person of a company for labels).
type Sink interface {
	Begin(rows int) error
	Row(c domain.Customer, contact string) error
}

// Register exports the customer register in format ("csv" or "xlsx").
func (s *Service) Register(ctx context.Context, req Request, format string, sink Sink) error {
	return s.run(ctx, authz.CustomerExport, ActionRegister, postgres.ExportSelection{Segment: req.Segment},
		req, map[string]any{"format": format}, 0, sink)
}

// Emails exports names and e-mail addresses, by default only of customers with marketing consent, never of
// those who objected to direct marketing (a mailing is marketing).
func (s *Service) Emails(ctx context.Context, req Request, consentOnly bool, sink Sink) error {
	sel := postgres.ExportSelection{Segment: req.Segment, ConsentOnly: consentOnly, Marketing: true, NeedEmail: true}
	return s.run(ctx, authz.CustomerExportEmail, ActionEmails, sel, req, map[string]any{"consent_only": consentOnly}, 0, sink)
}

// Labels exports the postal addresses of the filter (or of the ticked customers in it), except those of
// customers who objected to direct marketing (labels are printed for mailings).
func (s *Service) Labels(ctx context.Context, req Request, sink Sink) error {
	sel := postgres.ExportSelection{Segment: req.Segment, IDs: req.IDs, Marketing: true, NeedAddress: true}
	return s.run(ctx, authz.CustomerPrintLabels, ActionLabels, sel, req, map[string]any{"selected": len(req.IDs)}, MaxLabels, sink)
}

// Objected counts the customers of a segment that marketing exports and labels leave out because they
// objected to direct marketing, for the CRM screen to say so; for users who may make one of those exports.
func (s *Service) Objected(ctx context.Context, seg domain.Segment) (int, error) {
	if _, err := authz.Require(ctx, authz.CustomerView); err != nil {
		return 0, err
	}
	if _, err := authz.RequireAny(ctx, authz.CustomerPrintLabels, authz.CustomerExportEmail); err != nil {
		return 0, err
	}
	return postgres.CountObjected(ctx, s.DB.Pool, seg)
}

func (s *Service) run(ctx context.Context, perm authz.Permission, action string, sel postgres.ExportSelection,
	req Request, details map[string]any, maxRows int, sink Sink) error {
	actor, err := authz.RequireAll(ctx, authz.CustomerView, perm)
	if err != nil {
		return err
	}
	release, err := s.slot(ctx, actor)
	if err != nil {
		return err
	}
	defer release()
	tx, err := postgres.BeginExport(ctx, s.DB)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	n, err := postgres.CountExport(ctx, tx, sel)
	if err != nil {
		return err
	}
	if n == 0 {
		return &domain.ConflictError{Key: "exports.nothing"}
	}
	if maxRows > 0 && n > maxRows {
		return &domain.ConflictError{Key: "exports.too_many"}
	}
	details["rows"] = n
	// The CRM filter is structured: kinds, statuses and dates, and a town name (free text, but a town
	// identifies nobody), so it may be kept in the audit log.
	details["filter"] = maps.Clone(req.Filter)
	if err := s.record(ctx, actor, action, "customer", details); err != nil {
		return err
	}
	// The event is committed: from here on rows may leave.
	if err := sink.Begin(n); err != nil {
		return err
	}
	if err := postgres.EachExportCustomer(ctx, tx, sel, sink.Row); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// slot lets one export of the user's stream, when they are under their limit, have none running and a
// place is free; release gives the place back.
func (s *Service) slot(ctx context.Context, actor authz.Actor) (release func(), err error) {
	if actor.AuditID() == nil { // an export is recorded against its user
		return nil, fmt.Errorf("export without a user: %w", domain.ErrForbidden)
	}
	// A user over the limit costs no count (record checks again, under a lock).
	if err := s.checkRate(ctx, s.DB.Pool, actor); err != nil {
		return nil, err
	}
	s.mu.Lock()
	busy := s.mine[actor.UserID]
	s.mine[actor.UserID] = true
	s.mu.Unlock()
	mine := func() { s.mu.Lock(); delete(s.mine, actor.UserID); s.mu.Unlock() }
	if busy {
		return nil, &domain.ConflictError{Key: "exports.yours_running"}
	}
	select {
	case s.running <- struct{}{}:
		return func() { <-s.running; mine() }, nil
	case <-time.After(10 * time.Second):
		mine()
		return nil, fmt.Errorf("exports running: %w", domain.ErrBusy)
	case <-ctx.Done():
		mine()
		return nil, ctx.Err()
	}
}

// MaxAuditRows bounds an export of the audit log: a filter narrower than that is what an auditor asks for.
const MaxAuditRows = 100_000

// AuditLog exports the events the filter finds, newest first, counted against the user's export limit and
// recorded (export.audit, with the row count and the names of the filters used, not what was typed).
func (s *Service) AuditLog(ctx context.Context, f domain.AuditFilter, filters []string, row func(audit.Entry) error) error {
	actor, err := authz.Require(ctx, authz.AuditView)
	if err != nil {
		return err
	}
	release, err := s.slot(ctx, actor)
	if err != nil {
		return err
	}
	defer release()
	hidden := audit.Hidden(ctx)
	n, err := postgres.CountAudit(ctx, s.DB.Pool, f, hidden, MaxAuditRows+1)
	switch {
	case err != nil:
		return err
	case n == 0:
		return &domain.ConflictError{Key: "exports.nothing"}
	case n > MaxAuditRows:
		return &domain.ConflictError{Key: "exports.too_many"}
	}
	if err := s.record(ctx, actor, ActionAudit, "audit", map[string]any{"rows": n, "filters": filters}); err != nil {
		return err
	}
	return postgres.EachAudit(ctx, s.DB.Pool, f, hidden, MaxAuditRows, func(r postgres.AuditRow) error {
		return row(audit.Entry{AuditEvent: r.Event, ActorName: r.ActorName, EntityNumber: r.EntityNumber, EntityGone: r.EntityGone})
	})
}

// checkRate refuses an export when the user made Limit.Max of them within the window.
func (s *Service) checkRate(ctx context.Context, q postgres.Querier, actor authz.Actor) error {
	recent, err := postgres.RecentExports(ctx, q, actor.UserID, s.Now().Add(-s.Limit.Window))
	if err != nil {
		return err
	}
	if len(recent) >= s.Limit.Max {
		return &LimitedError{Until: recent[len(recent)-s.Limit.Max].Add(s.Limit.Window)}
	}
	return nil
}

// record checks the user's rate and writes the audit event, under a per-user lock so parallel requests
// are counted too.
func (s *Service) record(ctx context.Context, actor authz.Actor, action, entity string, details map[string]any) error {
	now := s.Now()
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if err := postgres.LockExports(ctx, tx, actor.UserID); err != nil {
			return err
		}
		if err := s.checkRate(ctx, tx, actor); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, action, entity, nil, details))
	})
}

// NewCSV starts a CSV file for Excel in Sweden on w: UTF-8 with a byte order mark (without it Excel reads
// the file as Windows-1252) and semicolons (the list separator of Swedish Excel).
func NewCSV(w io.Writer) (*csv.Writer, error) {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	return cw, nil
}

// Cell is a text value as a CSV cell: a plain one (validated so that it cannot start a formula, see
// domain.PIIColumn.Plain) as it is, free text through SafeCell.
func Cell(s string, plain bool) string {
	if plain {
		return s
	}
	return SafeCell(s)
}

// SafeCell neutralises a CSV cell a spreadsheet would run as a formula (DESIGN.md §9): a leading = + - @,
// tab or carriage return gets an apostrophe in front.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// IsLimited reports whether err is a rate-limit refusal, and until when.
func IsLimited(err error) (time.Time, bool) {
	var le *LimitedError
	if errors.As(err, &le) {
		return le.Until, true
	}
	return time.Time{}, false
}
