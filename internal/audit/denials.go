package audit

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
)

// PermissionDeniedRepeated counts the refusals of one user on one route within one minute that have no
// event of their own (details: route, permission, minute, count).
const PermissionDeniedRepeated = "authz.denied_repeated"

// RecordDenial records that actor was refused route (a pattern, never the URL), which needs perm.
//
// A user refused again and again would otherwise append to the hash chain, under its one lock, as fast as
// they can send requests, and slow every change of everyone else down. So the first refusal of a user on a
// route within a minute is an event; the ones after it only raise a counter, one statement that takes no
// audit lock, and the count goes into the chain with the next first refusal of anyone, or FlushDenials,
// once its minute is over. Nothing is lost from the proof, only written compactly.
func RecordDenial(ctx context.Context, db *postgres.DB, at time.Time, actor authz.Actor, route, perm string) error {
	k := postgres.DenialKey{Route: route, Minute: at.UTC().Truncate(time.Minute)}
	if id := actor.AuditID(); id != nil {
		k.UserID = int64(*id)
	}
	first, err := postgres.CountDenial(ctx, db.Pool, k, perm)
	if err != nil || !first {
		return err
	}
	return db.InTx(ctx, func(tx pgx.Tx) error {
		mine, err := postgres.MarkDenialRecorded(ctx, tx, k)
		if err != nil {
			return err
		}
		events, err := takeDenialCounts(ctx, tx, k.Minute, at)
		if err != nil {
			return err
		}
		if mine {
			events = append(events, Event(at, actor, PermissionDenied, "", nil, map[string]any{"route": route, "permission": perm}))
		}
		return Record(ctx, tx, events...)
	})
}

// FlushDenials appends the counts of refusals of the minutes before now's to the chain; serve calls it
// every minute, so a count waits for no later refusal.
func FlushDenials(ctx context.Context, db *postgres.DB, now time.Time) error {
	return db.InTx(ctx, func(tx pgx.Tx) error {
		events, err := takeDenialCounts(ctx, tx, now.UTC().Truncate(time.Minute), now)
		if err != nil {
			return err
		}
		return Record(ctx, tx, events...)
	})
}

// takeDenialCounts takes the counters of the minutes before minute and makes them events at time at.
func takeDenialCounts(ctx context.Context, tx pgx.Tx, minute, at time.Time) ([]domain.AuditEvent, error) {
	counts, err := postgres.TakeDenialCounts(ctx, tx, minute)
	if err != nil {
		return nil, err
	}
	var events []domain.AuditEvent
	for _, c := range counts {
		if c.Unrecorded == 0 {
			continue
		}
		e := domain.AuditEvent{At: at, Action: PermissionDeniedRepeated, Details: map[string]any{"route": c.Route,
			"permission": c.Permission, "minute": c.Minute.UTC().Format(time.RFC3339), "count": c.Unrecorded}}
		if c.UserID != 0 {
			id := domain.UserID(c.UserID)
			e.ActorID = &id
		}
		events = append(events, e)
	}
	return events, nil
}
