package gdpr

import (
	"context"
	"errors"
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
	Failed    int // records that could not be replayed (the error says which and why)
}

// Replay re-applies the erasure ledger to a database restored from a backup older than some erasures, so
// erased people do not come back: each customer the ledger erased that is back in the database (same id,
// number and creation time) is erased again as it was then (same kind, same time), its register entry
// restored and a replay event audited. Customers already erased are left alone, so a replay can run any
// number of times; the customer id and number sequences are moved past every erased customer, so no new
// customer takes an erased one's id or number. A record that fails is reported and the others go on.
// Run it after a restore, before serving.
func (s *Service) Replay(ctx context.Context) (ReplayResult, error) {
	var (
		res       ReplayResult
		errs      []error
		maxID     domain.CustomerID
		maxNumber int64
	)
	err := s.Ledger.Walk(func(r LedgerRecord) error {
		if r.Outcome == stateAborted {
			return nil
		}
		res.Erasures++
		if r.Outcome == "" {
			res.Unsettled++
		}
		for _, c := range r.Customers {
			maxID, maxNumber = max(maxID, c.ID), max(maxNumber, c.Number)
		}
		n, err := s.replay(ctx, r)
		if err != nil {
			res.Failed++
			errs = append(errs, fmt.Errorf("ledger entry %s: %w", r.Ref, err))
			return nil
		}
		res.Customers += n
		return nil
	}, false)
	if err != nil {
		return res, err
	}
	if maxID > 0 {
		if err := postgres.AdvanceCustomerSequences(ctx, s.DB.Pool, maxID, maxNumber); err != nil {
			errs = append(errs, err)
		}
	}
	return res, errors.Join(errs...)
}

// replay re-applies one ledger record in one transaction and returns how many customers it erased again.
func (s *Service) replay(ctx context.Context, r LedgerRecord) (int, error) {
	n := 0
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if err := postgres.PreferIndexes(ctx, tx); err != nil {
			return err
		}
		ids := make([]domain.CustomerID, len(r.Customers))
		for i, c := range r.Customers {
			ids[i] = c.ID
		}
		facts, rule, err := lockFacts(ctx, tx, ids)
		if err != nil {
			return err
		}
		reason, err := replayReason(ctx, tx, r, ids)
		if err != nil {
			return err
		}
		replayed, evs, err := s.eraseAgain(ctx, tx, r, facts, rule)
		if err != nil {
			return err
		}
		n = len(evs)
		if err := restoreRegister(ctx, tx, r, reason); err != nil {
			return err
		}
		if err := restoreBatch(ctx, tx, r, reason, replayed); err != nil {
			return err
		}
		return audit.Record(ctx, tx, evs...)
	})
	return n, err
}

// replayReason is the reason of r as the register may keep it. The ledger keeps each reason as it was
// written; the register gets it only as the rule of today lets it (checked while the restored customers
// ids still hold their data): a ledger from before the rule must not bring back what migration 000014
// redacted.
func replayReason(ctx context.Context, tx pgx.Tx, r LedgerRecord, ids []domain.CustomerID) (string, error) {
	switch {
	case r.Register != nil:
		return postgres.RedactedReason(ctx, tx, r.Register.Reason, ids, true)
	case r.Batch != nil:
		return postgres.RedactedReason(ctx, tx, r.Batch.Reason, ids, false)
	}
	return "", nil
}

// eraseAgain erases again, as r did, the customers of r that are back (facts): it returns their
// outcomes and the replay events to audit, one per customer.
func (s *Service) eraseAgain(ctx context.Context, tx pgx.Tx, r LedgerRecord, facts map[domain.CustomerID]*domain.ErasureFacts,
	rule domain.Retention) (map[domain.CustomerID]string, []domain.AuditEvent, error) {
	var evs []domain.AuditEvent
	replayed := map[domain.CustomerID]string{}
	now := s.Now()
	for _, c := range r.Customers {
		f := facts[c.ID]
		switch {
		case f == nil:
			continue // not in this database (deleted, or created after the backup)
		case f.Customer.Number != c.Number || !f.Customer.CreatedAt.Equal(c.Created):
			continue // another customer that took the id after a restore: not the one erased
		}
		kind := r.Kind
		if c.Kind != "" {
			kind = c.Kind
		}
		if kind == domain.EraseAnonymise && f.Customer.AnonymisedAt != nil {
			continue
		}
		p := plan(f, kind, rule, r.At)
		if err := s.apply(ctx, tx, f, p, r.At); err != nil {
			return nil, nil, err
		}
		replayed[c.ID] = domain.OutcomeAnonymised
		if kind == domain.EraseDelete {
			replayed[c.ID] = domain.OutcomeDeleted
		}
		evs = append(evs, audit.Event(now, authz.System(), Replayed, audit.Customer, audit.ID(c.ID),
			map[string]any{"ref": r.Ref, "kind": string(kind)}))
	}
	return replayed, evs, nil
}

// restoreRegister restores the register entry of a single customer's erasure r, with reason.
func restoreRegister(ctx context.Context, tx pgx.Tx, r LedgerRecord, reason string) error {
	if r.Register == nil || len(r.Customers) != 1 {
		return nil
	}
	e := domain.Erasure{Ref: r.Ref, At: r.At, ActorID: r.Register.ActorID, ActorName: r.Register.ActorName,
		Kind: r.Kind, CustomerID: r.Customers[0].ID, CustomerNumber: r.Customers[0].Number,
		Counts: r.Register.Counts, Reason: reason}
	for _, h := range r.Register.Holds {
		until, err := time.ParseInLocation(domain.DateLayout, h.Until, domain.Stockholm)
		if err != nil {
			return err
		}
		e.Holds = append(e.Holds, domain.Hold{QuoteID: h.QuoteID, QuoteNumber: h.Number, Until: until})
	}
	_, err := postgres.InsertErasure(ctx, tx, e)
	return err
}

// restoreBatch restores, for a bulk job's batch r, the job's register entry (with reason) and the
// batch's counts in it, and the outcomes of the customers the replay erased again.
func restoreBatch(ctx context.Context, tx pgx.Tx, r LedgerRecord, reason string, replayed map[domain.CustomerID]string) error {
	b := r.Batch
	if b == nil {
		return nil
	}
	if _, err := postgres.InsertErasure(ctx, tx, domain.Erasure{Ref: b.JobRef, At: b.Confirmed, ActorID: b.ActorID,
		ActorName: b.ActorName, Kind: b.Kind, JobID: b.JobID, Counts: map[string]int{}, Reason: reason}); err != nil {
		return err
	}
	if err := postgres.InsertBulkBatch(ctx, tx, r.Ref, b.JobID, r.At, 0, map[string]int{}, b.Counts, b.Held); err != nil {
		return err
	}
	// A backup taken while the job ran still has its items: they were done, by this replay.
	return postgres.SetItemOutcomes(ctx, tx, b.JobID, replayed, nil, "replay", true)
}
