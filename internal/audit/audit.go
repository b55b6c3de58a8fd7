// Package audit writes and reads the append-only, hash-chained event log (DESIGN.md §6) and verifies it.
package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
)

// Actions recorded by this package's callers. Keep them stable: auditors filter on them.
const (
	SignIn           = "auth.sign_in"
	SignInFailed     = "auth.sign_in_failed"
	SignOut          = "auth.sign_out"
	PermissionDenied = "authz.denied"
	UserCreated      = "user.created"
	PermissionsSet   = "user.permissions_changed"
	LanguageChanged  = "user.language_changed"
	PasswordReset    = "user.password_reset"
	UserActivated    = "user.activated"
	// Credit report events tell that credit reports exist on a customer; see Hidden.
	CreditReportRecorded = "credit_report.recorded"
	CreditReportViewed   = "credit_report.viewed"
	CustomerViewed       = "customer.viewed" // by the customer page, and the quote's PDF and e-mail preview
	// QuoteViewed is the quote page: an event on the customer (their access log lists it) naming the quote,
	// as the page shows the quote and the customer's name, not the customer's register entry.
	QuoteViewed        = "quote.viewed"
	UserDeactivated    = "user.deactivated"
	UserErased         = "user.erased" // a departed user's name and address replaced (user.Service.Erase)
	UserInvited        = "user.invited"
	UserDetailsChanged = "user.details_changed"
	PasswordLinkIssued = "user.password_link_issued"
	PasswordSet        = "user.password_set"
	PasswordChanged    = "user.password_changed"
	AdminGranted       = "user.admin_granted"
	AdminRevoked       = "user.admin_revoked"
	AgreementPublished = "agreement.published"
	AgreementAccepted  = "agreement.accepted"
	AgreementSent      = "agreement.sent"
	ChainChecked       = "audit.chain_checked" // the daily verification (internal/chainwatch)

	// PasswordLinkRefused: a link was used after its maker lost the right to manage its user; nothing was set.
	PasswordLinkRefused = "user.password_link_refused"
)

// Customer is the entity of every event about a customer, whichever service records it.
const Customer = "customer"

// Event builds an event for actor at the given time. Details must hold ids and field names only.
func Event(at time.Time, actor authz.Actor, action, entityType string, entityID *int64, details map[string]any) domain.AuditEvent {
	return domain.AuditEvent{At: at, ActorID: actor.AuditID(), Action: action, EntityType: entityType,
		EntityID: entityID, Details: details}
}

// ID is a convenience for an entity id pointer.
func ID[T ~int64](id T) *int64 {
	v := int64(id)
	return &v
}

// Record appends events in tx, the transaction of the change they describe.
func Record(ctx context.Context, tx pgx.Tx, events ...domain.AuditEvent) error {
	return postgres.AppendAudit(ctx, tx, events)
}

// Log reads the audit log for users allowed to.
type Log struct {
	DB *postgres.DB
}

// Entry is one event with the name of the user who acted ("" for the system or nobody).
type Entry struct {
	domain.AuditEvent
	ActorName    string
	EntityNumber int64 // the customer's, quote's or supplier's number; 0 when it has none (or is unknown)
	EntityGone   bool  // a deleted customer, known by number from the erasure register
}

// Page returns the page r asks for of the events the reader may see, newest first unless r sorts
// otherwise ("at", "actor", "event"), domain.DefaultPageSize events unless r says how many.
func (l Log) Page(ctx context.Context, r domain.ListRequest, f domain.AuditFilter) (domain.ListPage[Entry], error) {
	if _, err := authz.Require(ctx, authz.AuditView); err != nil {
		return domain.ListPage[Entry]{}, err
	}
	if r.Limit <= 0 {
		r.Limit = domain.DefaultPageSize
	}
	page, err := postgres.AuditPage(ctx, l.DB.Pool, r, f, Hidden(ctx))
	if err != nil {
		return domain.ListPage[Entry]{}, err
	}
	out := domain.ListPage[Entry]{HasPrev: page.HasPrev, HasNext: page.HasNext, Total: page.Total, Capped: page.Capped}
	for _, row := range page.Rows {
		out.Rows = append(out.Rows, Entry{AuditEvent: row.Event, ActorName: row.ActorName, EntityNumber: row.EntityNumber, EntityGone: row.EntityGone})
	}
	return out, nil
}

// creditReportActions are shown only to those who may see credit reports.
var creditReportActions = []string{CreditReportRecorded, CreditReportViewed}

// Hidden lists the actions the actor in ctx may not see in the log.
func Hidden(ctx context.Context) []string {
	if a, ok := authz.ActorFrom(ctx); ok && a.Can(authz.CreditReportAccess) {
		return []string{}
	}
	return creditReportActions
}

// BrokenError names the first event whose link in the chain does not hold.
type BrokenError struct {
	EventID int64
	Reason  string
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("audit chain broken at event %d: %s", e.EventID, e.Reason)
}

// Anchor is an event id and its hash, kept outside the database: the chain alone cannot show that its
// newest events were removed, or that someone with superuser rights rewrote it all.
type Anchor struct {
	EventID int64
	Hash    []byte
}

func (a Anchor) String() string { return fmt.Sprintf("%d:%x", a.EventID, a.Hash) }

// ParseAnchor reads "ID:HEXHASH".
func ParseAnchor(s string) (Anchor, error) {
	id, h, ok := strings.Cut(s, ":")
	n, err1 := strconv.ParseInt(id, 10, 64)
	hash, err2 := hex.DecodeString(h)
	if !ok || err1 != nil || err2 != nil || len(hash) != sha256.Size {
		return Anchor{}, errors.New("want ID:HASH as printed by audit verify")
	}
	return Anchor{EventID: n, Hash: hash}, nil
}

// Result is what a verification walked.
type Result struct {
	Events   int
	Head     Anchor // the newest sealed event
	Unsealed int    // events committed after the sealing that verification starts with
	seen     map[int64][]byte
}

// Check fails unless the chain held the anchored event with the anchored hash.
func (r Result) Check(a Anchor) error {
	h, ok := r.seen[a.EventID]
	if !ok {
		return fmt.Errorf("anchored event %d is missing", a.EventID)
	}
	if !bytes.Equal(h, a.Hash) {
		return fmt.Errorf("anchored event %d has another hash than when it was anchored", a.EventID)
	}
	return nil
}

// UnsealedLimit is how long an event may wait for its seal: an event not sealed for longer was taken
// off the sealer's list (or no sealer ran it), and verification reports it. The sealer of every server
// seals within a second; a transaction that records events stays open at most a bulk batch's time.
const UnsealedLimit = 10 * time.Minute

// Verify seals what has committed, then walks the whole chain and returns what it walked, or a
// *BrokenError naming the first event that was changed, removed from between its neighbours or inserted,
// or one left unsealed for longer than UnsealedLimit.
func Verify(ctx context.Context, pool *pgxpool.Pool) (Result, error) {
	if _, err := (Sealer{Pool: pool}).SealAll(ctx, true); err != nil {
		return Result{}, err
	}
	res := Result{seen: map[int64][]byte{}}
	var prev []byte
	err := postgres.WalkChain(ctx, pool, func(s postgres.Seal, e *domain.AuditEvent, canonical []byte) error {
		switch {
		case s.Seq != int64(res.Events)+1:
			return &BrokenError{EventID: s.EventID, Reason: fmt.Sprintf("its seal is at position %d, not %d", s.Seq, res.Events+1)}
		case e == nil:
			return &BrokenError{EventID: s.EventID, Reason: "the event was removed"}
		case res.Events == 0 && len(s.PrevHash) != 0:
			return &BrokenError{EventID: e.ID, Reason: "first event does not start the chain"}
		case !bytes.Equal(s.PrevHash, prev):
			return &BrokenError{EventID: e.ID, Reason: "previous hash does not match the event before it"}
		case !bytes.Equal(e.ChainHash(prev, canonical), s.Hash):
			return &BrokenError{EventID: e.ID, Reason: "content does not match its hash"}
		}
		prev = s.Hash
		res.Events++
		res.Head = Anchor{EventID: e.ID, Hash: s.Hash}
		res.seen[e.ID] = s.Hash
		return nil
	})
	if err != nil {
		return res, err
	}
	n, oldest, at, err := postgres.Unsealed(ctx, pool)
	if err != nil {
		return res, err
	}
	res.Unsealed = n
	if n > 0 && time.Since(at) > UnsealedLimit {
		return res, &BrokenError{EventID: oldest, Reason: fmt.Sprintf("not sealed within %s", UnsealedLimit)}
	}
	return res, nil
}
