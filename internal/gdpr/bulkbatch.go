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

// A batch of a bulk job is one ledgered transaction in four steps: claim its customers, decide what
// happens to each (from the facts alone, changing nothing), apply that, and record it (the customers'
// outcomes, the batch's counts, audit events and the ledger entry).

// batchWork is what a batch does to the customers ids it claimed of job j (see inBatch): erase or failed.
type batchWork func(ctx context.Context, tx pgx.Tx, j domain.BulkJob, ids []domain.CustomerID, now time.Time) (*LedgerEntry, error)

// inBatch runs one batch of job id: it claims up to size of its pending customers (after the customer
// after; only those in only, if not nil) and hands them to work. It returns the customers claimed, in
// customer order, also when the batch failed after claiming them.
func (b *Bulk) inBatch(ctx context.Context, id int64, size int, after domain.CustomerID, only []domain.CustomerID, work batchWork) ([]domain.CustomerID, error) {
	now := b.Now()
	var claimed []domain.CustomerID
	err := b.ledgeredTx(ctx, func(tx pgx.Tx) (*LedgerEntry, error) {
		j, ids, err := claim(ctx, tx, id, size, after, only)
		claimed = ids
		if err != nil || len(ids) == 0 {
			return nil, err
		}
		return work(ctx, tx, j, ids, now)
	})
	return claimed, err
}

// claim takes job id's lock shared, so the job ends only after this batch (see finish), and locks up to
// size of its pending customers that no other worker holds. A job that was ended or asked to stop gets
// no more batches.
func claim(ctx context.Context, tx pgx.Tx, id int64, size int, after domain.CustomerID, only []domain.CustomerID) (domain.BulkJob, []domain.CustomerID, error) {
	if err := postgres.LockBulkJob(ctx, tx, id, true); err != nil {
		return domain.BulkJob{}, nil, err
	}
	j, err := postgres.BulkJobForBatch(ctx, tx, id)
	if err != nil || j.CancelRequested || !j.Status.Open() {
		return j, nil, err
	}
	ids, err := postgres.ClaimBulkBatch(ctx, tx, id, size, after, only)
	return j, ids, err
}

// erase is the work of a batch: it erases the customers it claimed as job j says.
func (b *Bulk) erase(ctx context.Context, tx pgx.Tx, j domain.BulkJob, ids []domain.CustomerID, now time.Time) (*LedgerEntry, error) {
	facts, rule, err := lockFacts(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	d := decide(j, ids, facts, rule, now.In(domain.Stockholm))
	if err := b.apply(ctx, tx, j.ID, d, now); err != nil {
		return nil, err
	}
	return b.record(ctx, tx, j, d, now)
}

// failed is the work of a batch that marks the customers it claimed failed, with message id why.
func (b *Bulk) failed(why string) batchWork {
	return func(ctx context.Context, tx pgx.Tx, j domain.BulkJob, ids []domain.CustomerID, now time.Time) (*LedgerEntry, error) {
		rec := b.newBatchRecord(j.ID, now)
		for _, cid := range ids {
			rec.Outcomes[cid], rec.Errors[cid] = domain.OutcomeFailed, why
		}
		return nil, postgres.RecordBulkBatch(ctx, tx, rec)
	}
}

// batchDecision is what a batch does to the customers it claimed.
type batchDecision struct {
	Outcomes map[domain.CustomerID]string // of every customer claimed
	Erased   []Plan                       // the customers erased, in customer order, and how
	Counts   map[string]int               // what they lose, per kind of data (for the register)
	Held     map[string]int               // the quote snapshots kept, per release date (for the register)
}

// decide is what job j does, on the day of today under rule, to the customers ids whose facts are
// given (none for a customer deleted meanwhile).
func decide(j domain.BulkJob, ids []domain.CustomerID, facts map[domain.CustomerID]*domain.ErasureFacts, rule domain.Retention, today time.Time) batchDecision {
	d := batchDecision{Outcomes: map[domain.CustomerID]string{}, Counts: map[string]int{}, Held: map[string]int{}}
	for _, cid := range ids {
		f := facts[cid]
		kind, skipped := erasureKind(j, f, rule, today)
		if skipped != "" {
			d.Outcomes[cid] = skipped
			continue
		}
		p := plan(f, kind, rule, today)
		for k, v := range p.Counts {
			d.Counts[k] += v
		}
		for _, h := range p.Holds {
			d.Held[h.Until.Format(domain.DateLayout)]++
		}
		d.Outcomes[cid] = domain.OutcomeAnonymised
		if kind == domain.EraseDelete {
			d.Outcomes[cid] = domain.OutcomeDeleted
		}
		d.Erased = append(d.Erased, p)
	}
	return d
}

// erasureKind is how job j erases the customer f describes, or the outcome that skips it: gone (f is
// nil), restricted since the selection was frozen (art. 18: stored, not processed), under retention (a
// delete job told to skip those; told to anonymise them, it does) or anonymised already.
func erasureKind(j domain.BulkJob, f *domain.ErasureFacts, rule domain.Retention, today time.Time) (domain.ErasureKind, string) {
	if f == nil {
		return "", domain.OutcomeGone
	}
	if f.Customer.Restricted() { // restricted after the selection was frozen: stored, not processed
		return "", domain.OutcomeSkippedRestricted
	}
	kind := j.Kind
	if kind == domain.EraseDelete && len(plan(f, kind, rule, today).Blocking) > 0 {
		if j.OnRetention != domain.RetentionAnonymise {
			return "", domain.OutcomeSkippedRetention
		}
		kind = domain.EraseAnonymise
	}
	if kind == domain.EraseAnonymise && f.Customer.AnonymisedAt != nil {
		return "", domain.OutcomeSkippedAnonymised
	}
	return kind, ""
}

// apply erases the customers d decided to, in job id: it keeps their suppression (and objection) hashes,
// anonymises and deletes them (each customer is locked: every one must change).
func (b *Bulk) apply(ctx context.Context, tx pgx.Tx, id int64, d batchDecision, now time.Time) error {
	var (
		anonIDs, delIDs []domain.CustomerID
		holds           []domain.Hold
		erased          []domain.Customer
	)
	for _, p := range d.Erased {
		c := p.Customer
		holds = append(holds, p.Holds...)
		erased = append(erased, c)
		if p.Kind == domain.EraseDelete {
			delIDs = append(delIDs, c.ID)
		} else {
			anonIDs = append(anonIDs, c.ID)
		}
	}
	if err := keepHashes(ctx, tx, b.Salt, erased, now); err != nil {
		return err
	}
	if len(anonIDs) > 0 {
		done, err := postgres.AnonymiseCustomers(ctx, tx, Inventory, anonIDs, holds, now)
		if err != nil {
			return err
		}
		if len(done) != len(anonIDs) {
			return fmt.Errorf("bulk job %d: anonymised %d of %d locked customers", id, len(done), len(anonIDs))
		}
	}
	if len(delIDs) > 0 {
		done, err := postgres.DeleteCustomers(ctx, tx, Inventory, delIDs)
		if err != nil {
			return err
		}
		if len(done) != len(delIDs) {
			return fmt.Errorf("bulk job %d: deleted %d of %d locked customers", id, len(done), len(delIDs))
		}
	}
	return nil
}

// record stores what a batch of job j did (d), audits each erasure and returns the batch's ledger
// entry, or nil if it erased nobody.
func (b *Bulk) record(ctx context.Context, tx pgx.Tx, j domain.BulkJob, d batchDecision, now time.Time) (*LedgerEntry, error) {
	rec := b.newBatchRecord(j.ID, now)
	rec.Outcomes, rec.Counts, rec.Held = d.Outcomes, d.Counts, d.Held
	if err := postgres.RecordBulkBatch(ctx, tx, rec); err != nil {
		return nil, err
	}
	var (
		evs       []domain.AuditEvent
		customers []LedgerCustomer
	)
	for _, p := range d.Erased {
		c, action := p.Customer, Anonymised
		if p.Kind == domain.EraseDelete {
			action = Deleted
		}
		evs = append(evs, audit.Event(now, authz.System(), action, audit.Customer, audit.ID(c.ID),
			map[string]any{"bulk_job_id": j.ID, "ref": j.Ref}))
		lc := LedgerCustomer{ID: c.ID, Number: c.Number, Created: c.CreatedAt}
		if p.Kind != j.Kind {
			lc.Kind = p.Kind
		}
		customers = append(customers, lc)
	}
	if err := audit.Record(ctx, tx, evs...); err != nil {
		return nil, err
	}
	if len(customers) == 0 {
		return nil, nil // nothing erased: nothing for the ledger
	}
	confirmed := j.CreatedAt
	if j.ConfirmedAt != nil {
		confirmed = *j.ConfirmedAt
	}
	return &LedgerEntry{Ref: rec.Ref, At: now, Kind: j.Kind, Customers: customers, Batch: &LedgerBatch{
		JobID: j.ID, JobRef: j.Ref, Kind: j.Kind, Confirmed: confirmed, ActorID: j.RequestedBy, ActorName: j.RequestedName,
		Reason: j.Reason, Counts: rec.Counts, Held: rec.Held}}, nil
}

// newBatchRecord is an empty record of this worker's batch of job id, with a new ledger reference.
func (b *Bulk) newBatchRecord(id int64, now time.Time) postgres.BulkBatch {
	return postgres.BulkBatch{JobID: id, Ref: newRef(), Outcomes: map[domain.CustomerID]string{},
		Errors: map[domain.CustomerID]string{}, Worker: b.Worker, Counts: map[string]int{}, Held: map[string]int{}, At: now}
}
