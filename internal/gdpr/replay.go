package gdpr

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
)

// ReplayResult counts what a replay did.
type ReplayResult struct {
	Erasures  int // ledger records read (aborted ones aside)
	Customers int // customers erased again
	Unsettled int // records whose outcome was never written, replayed to be safe
}

// Replay re-applies the erasure ledger to a database restored from a backup older than some erasures, so
// erased people do not come back: each customer the ledger erased that is back in the database is erased
// again as it was then (same kind, same time), its register entry restored and a replay event audited.
// Customers already erased are left alone, so a replay can run any number of times.
func (s *Service) Replay(ctx context.Context) (ReplayResult, error) {
	var res ReplayResult
	recs, err := s.Ledger.Records()
	if err != nil {
		return res, err
	}
	actor := authz.System()
	for _, r := range recs {
		if r.Outcome == stateAborted {
			continue
		}
		res.Erasures++
		if r.Outcome == "" {
			res.Unsettled++
		}
		err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
			ids := make([]domain.CustomerID, len(r.Customers))
			for i, c := range r.Customers {
				ids[i] = c.ID
			}
			years, err := postgres.RetentionYears(ctx, tx)
			if err != nil {
				return err
			}
			facts, err := postgres.ErasureFacts(ctx, tx, ids, postgres.LockForUpdate)
			if err != nil {
				return err
			}
			var evs []domain.AuditEvent
			now := s.Now()
			for _, id := range ids {
				f := facts[id]
				if f == nil || (r.Kind == domain.EraseAnonymise && f.Customer.AnonymisedAt != nil) {
					continue
				}
				p := plan(f, r.Kind, years, r.At.In(domain.Stockholm))
				if err := s.apply(ctx, tx, f, p, r.At); err != nil {
					return err
				}
				res.Customers++
				evs = append(evs, audit.Event(now, actor, Replayed, "customer", audit.ID(id),
					map[string]any{"ref": r.Ref, "kind": string(r.Kind)}))
			}
			if r.Register != nil && len(r.Customers) == 1 {
				e := domain.Erasure{Ref: r.Ref, At: r.At, ActorID: r.Register.ActorID, Kind: r.Kind,
					CustomerID: r.Customers[0].ID, CustomerNumber: r.Customers[0].Number, Counts: r.Register.Counts,
					Reason: r.Register.Reason}
				for _, h := range r.Register.Holds {
					until, err := time.ParseInLocation("2006-01-02", h.Until, domain.Stockholm)
					if err != nil {
						return fmt.Errorf("ledger %s: %w", r.Ref, err)
					}
					e.Holds = append(e.Holds, domain.Hold{QuoteID: h.QuoteID, QuoteNumber: h.Number, Until: until})
				}
				if _, err := postgres.InsertErasure(ctx, tx, e); err != nil {
					return err
				}
			}
			return audit.Record(ctx, tx, evs...)
		})
		if err != nil {
			return res, fmt.Errorf("replay %s: %w", r.Ref, err)
		}
	}
	return res, nil
}
