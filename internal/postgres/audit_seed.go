package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

// SeedAudit appends n generated events to the chain, sealed, in two COPYs, for make bench-audit: next(i)
// gives the i-th event without id, which is assigned here; the seals are made as SealAudit makes them, so
// the chain verifies afterwards. The owner's connection is needed only for speed, not for rights.
func SeedAudit(ctx context.Context, db *DB, n int, next func(i int) domain.AuditEvent) error {
	return db.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := lockSealer(ctx, tx, true); err != nil {
			return err
		}
		head, prev, err := chainHead(ctx, tx)
		if err != nil {
			return err
		}
		var first int64
		// Take the n ids at once: nextval, then move the sequence past them.
		if err := tx.QueryRow(ctx, `SELECT nextval('audit_events_id_seq')`).Scan(&first); err != nil {
			return mapErr(err, "seed audit ids")
		}
		if _, err := tx.Exec(ctx, `SELECT setval('audit_events_id_seq', $1)`, first+int64(n)-1); err != nil {
			return mapErr(err, "seed audit ids")
		}
		seals := make([][]any, 0, n)
		i := 0
		var failed error
		src := pgx.CopyFromFunc(func() ([]any, error) {
			if i == n {
				return nil, nil
			}
			e := next(i)
			e.ID, e.At = first+int64(i), e.At.UTC().Truncate(time.Microsecond)
			i++
			raw, err := marshalDetails(e.Details)
			if err != nil {
				failed = err
				return nil, err
			}
			hash := e.ChainHash(prev, raw)
			seals = append(seals, []any{head + int64(i), e.ID, prev, hash})
			prev = hash
			var actor *int64
			if e.ActorID != nil {
				id := int64(*e.ActorID)
				actor = &id
			}
			return []any{e.ID, e.At, actor, e.Action, e.EntityType, e.EntityID, string(raw)}, nil
		})
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"audit_events"},
			[]string{"id", "at", "actor_user_id", "action", "entity_type", "entity_id", "details"}, src)
		if failed != nil {
			return failed
		}
		if err != nil {
			return mapErr(err, "seed audit")
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"audit_seals"}, []string{"seq", "event_id", "prev_hash", "hash"}, pgx.CopyFromRows(seals))
		return mapErr(err, "seed audit seals")
	})
}
