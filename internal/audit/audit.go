// Package audit writes and reads the append-only, hash-chained event log (DESIGN.md §6) and verifies it.
package audit

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

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
)

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
	ActorName string
}

// Page returns up to limit events older than before (0: the newest), newest first.
func (l Log) Page(ctx context.Context, before int64, limit int) ([]Entry, error) {
	if _, err := authz.Require(ctx, authz.AuditView); err != nil {
		return nil, err
	}
	events, names, err := postgres.AuditPage(ctx, l.DB.Pool, before, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, len(events))
	for i := range events {
		out[i] = Entry{AuditEvent: events[i], ActorName: names[i]}
	}
	return out, nil
}

// BrokenError names the first event whose link in the chain does not hold.
type BrokenError struct {
	EventID int64
	Reason  string
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("audit chain broken at event %d: %s", e.EventID, e.Reason)
}

// Verify walks the whole chain and returns the number of events checked, or a *BrokenError naming the
// first event that was changed, removed from between its neighbours or inserted.
func Verify(ctx context.Context, q postgres.Querier) (int, error) {
	var (
		prev []byte
		n    int
	)
	err := postgres.WalkAudit(ctx, q, func(e domain.AuditEvent, canonical []byte) error {
		if n == 0 {
			prev = e.PrevHash // the first event starts the chain
			if len(prev) != 0 {
				return &BrokenError{EventID: e.ID, Reason: "first event does not start the chain"}
			}
		}
		if !bytes.Equal(e.PrevHash, prev) {
			return &BrokenError{EventID: e.ID, Reason: "previous hash does not match the event before it"}
		}
		if !bytes.Equal(e.ChainHash(prev, canonical), e.Hash) {
			return &BrokenError{EventID: e.ID, Reason: "content does not match its hash"}
		}
		prev = e.Hash
		n++
		return nil
	})
	return n, err
}
