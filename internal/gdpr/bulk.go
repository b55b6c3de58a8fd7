package gdpr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
)

// Audit actions of bulk jobs (each customer's erasure is audited as customer.anonymised or
// customer.deleted, with the job's id).
const (
	BulkConfirmed = "bulk_job.confirmed"
	BulkCancel    = "bulk_job.cancel_requested"
	BulkFinished  = "bulk_job.finished"
)

// BatchSize is how many customers one transaction of a bulk job erases.
const BatchSize = 500

// Inserter enqueues river jobs inside a transaction (river.Client; an insert-only one does).
type Inserter interface {
	InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Bulk runs bulk delete and anonymise jobs from the CRM screen (DESIGN.md §4).
type Bulk struct {
	*Service
	Queue     Inserter
	BatchSize int           // 0: BatchSize
	Slice     time.Duration // 0: TimeSlice
	Worker    string        // this process, recorded on each item it does
	Log       *slog.Logger  // failures of single customers (ids only)
}

// NewBulk returns the bulk service on s, enqueuing through jobs, batchSize customers per transaction
// (0: BatchSize).
func NewBulk(s *Service, jobs Inserter, batchSize int, log *slog.Logger) *Bulk {
	host, _ := os.Hostname()
	return &Bulk{Service: s, Queue: jobs, BatchSize: batchSize, Worker: host + "/" + strconv.Itoa(os.Getpid()), Log: log}
}

// Draft freezes a selection: the customers of the segment (only those in ids, if ids is not nil) become
// a draft job, previewed before anything happens. filter is the segment as the user set it.
func (b *Bulk) Draft(ctx context.Context, s domain.Segment, filter map[string]string, ids []domain.CustomerID) (domain.BulkJob, error) {
	actor, err := authz.RequireAll(ctx, authz.CustomerBulkErase, authz.CustomerView)
	if err != nil {
		return domain.BulkJob{}, err
	}
	if !actor.Can(authz.CustomerDelete) && !actor.Can(authz.CustomerAnonymise) {
		return domain.BulkJob{}, fmt.Errorf("bulk job without delete or anonymise: %w", domain.ErrForbidden)
	}
	now := b.Now()
	j := domain.BulkJob{Ref: newRef(), Kind: domain.EraseAnonymise, Filter: filter, RequestedBy: actor.AuditID(),
		RequestedName: actor.Name, Status: "draft", CreatedAt: now}
	err = b.DB.InTx(ctx, func(tx pgx.Tx) error {
		if err := postgres.DeleteStaleDrafts(ctx, tx, now.Add(-24*time.Hour)); err != nil {
			return err
		}
		j.ID, j.Total, err = postgres.CreateBulkJob(ctx, tx, j, s, ids, now)
		return err
	})
	return j, err
}

// own loads a job the actor may see: their own, or any for admins. Others' jobs are not found.
func (b *Bulk) own(ctx context.Context, q postgres.Querier, id int64) (domain.BulkJob, authz.Actor, error) {
	actor, err := authz.Require(ctx, authz.CustomerBulkErase)
	if err != nil {
		return domain.BulkJob{}, actor, err
	}
	j, err := postgres.BulkJob(ctx, q, id)
	if err == nil {
		err = ownedBy(actor, j)
	}
	return j, actor, err
}

// ownedBy lets a user at their own jobs and an admin at all; others' jobs are not found.
func ownedBy(actor authz.Actor, j domain.BulkJob) error {
	if !actor.IsAdmin && (j.RequestedBy == nil || actor.AuditID() == nil || *j.RequestedBy != *actor.AuditID()) {
		return fmt.Errorf("bulk job %d: %w", j.ID, domain.ErrNotFound)
	}
	return nil
}

// Job returns a job with its preview (drafts) or its failures (finished jobs).
func (b *Bulk) Job(ctx context.Context, id int64) (domain.BulkJob, domain.BulkPreview, []domain.BulkFailure, error) {
	j, _, err := b.own(ctx, b.DB.Pool, id)
	if err != nil {
		return j, domain.BulkPreview{}, nil, err
	}
	var (
		p     domain.BulkPreview
		fails []domain.BulkFailure
	)
	if j.Status == "draft" {
		rule, err := postgres.Retention(ctx, b.DB.Pool)
		if err != nil {
			return j, p, nil, err
		}
		p, err = postgres.BulkPreview(ctx, b.DB.Pool, id, rule, b.today())
		if err != nil {
			return j, p, nil, err
		}
	} else if j.Outcomes[domain.OutcomeFailed] > 0 {
		if fails, err = postgres.BulkFailures(ctx, b.DB.Pool, id, 100); err != nil {
			return j, p, nil, err
		}
	}
	return j, p, fails, nil
}

// Jobs lists the actor's own jobs, or everyone's for admins.
func (b *Bulk) Jobs(ctx context.Context) ([]domain.BulkJob, error) {
	actor, err := authz.Require(ctx, authz.CustomerBulkErase)
	if err != nil {
		return nil, err
	}
	by := actor.AuditID()
	if actor.IsAdmin {
		by = nil
	}
	return postgres.BulkJobs(ctx, b.DB.Pool, by, 100)
}

// ConfirmInput is what the user chose and typed on the preview.
type ConfirmInput struct {
	Kind     domain.ErasureKind
	Retained string // delete jobs: "skip" or "anonymise" the customers under retention
	Reason   string
	Count    string // the number of customers, typed, above ConfirmCountAbove
}

// SelectionChanged refuses a confirmation because customers stopped matching the filter since the
// preview; they were taken out of the selection, which the user should look at again.
type SelectionChanged struct{ Removed int }

func (e *SelectionChanged) Error() string {
	return fmt.Sprintf("%d customers no longer match", e.Removed)
}

// Unwrap makes it a conflict.
func (e *SelectionChanged) Unwrap() error { return domain.ErrConflict }

// ReasonNames refuses a bulk job's reason that names a customer of the selection or one of their contact
// persons; Customer is that customer's number (not personal data), so the message can tell which.
type ReasonNames struct {
	domain.FieldErrors
	Customer int64
}

// Unwrap makes it the field errors it carries.
func (e *ReasonNames) Unwrap() error { return e.FieldErrors }

// ConfirmCountAbove is the selection size above which the count must be typed to confirm.
const ConfirmCountAbove = 100

// Parallel is how many river jobs a bulk job starts with, so that more than one worker, and more than
// one server (each runs two), share it.
const Parallel = 4

// Confirm starts a draft job: it stores the choices and enqueues its work in the same transaction.
func (b *Bulk) Confirm(ctx context.Context, id int64, in ConfirmInput) error {
	fe := domain.FieldErrors{}
	domain.CheckText(fe, map[string]string{"reason": in.Reason, "count": in.Count}, "reason")
	reason := reasonOf(fe, in.Reason)
	if in.Kind != domain.EraseDelete && in.Kind != domain.EraseAnonymise {
		fe["kind"] = "bulk.error.kind"
	}
	if in.Kind == domain.EraseDelete && in.Retained != "skip" && in.Retained != "anonymise" {
		fe["retained"] = "bulk.error.retained"
	}
	if in.Kind == domain.EraseAnonymise {
		in.Retained = "skip"
	}
	if fe["kind"] != "" || fe["retained"] != "" {
		if _, err := authz.RequireAll(ctx, authz.CustomerBulkErase, authz.CustomerView); err != nil {
			return err
		}
		return fe
	}
	need := []authz.Permission{authz.CustomerBulkErase, authz.CustomerView, permFor(in.Kind)}
	if in.Kind == domain.EraseDelete && in.Retained == "anonymise" {
		need = append(need, authz.CustomerAnonymise)
	}
	actor, err := authz.RequireAll(ctx, need...)
	if err != nil {
		return err
	}
	now := b.Now()
	changed := 0
	err = b.DB.InTx(ctx, func(tx pgx.Tx) error {
		j, err := postgres.BulkJobForUpdate(ctx, tx, id)
		if err == nil {
			err = ownedBy(actor, j)
		}
		if err != nil {
			return err
		}
		if j.Total > ConfirmCountAbove && strings.TrimSpace(strings.ReplaceAll(in.Count, " ", "")) != strconv.Itoa(j.Total) {
			fe["count"] = "bulk.error.count"
		}
		// Over the selection as it stands: customers pruned below were in it when the reason was typed.
		named, err := checkReason(ctx, tx, fe, reason, id, nil)
		switch {
		case err != nil:
			return err
		case named != 0:
			return &ReasonNames{FieldErrors: fe, Customer: named}
		case len(fe) > 0:
			return fe
		}
		if j.Status != "draft" {
			return &domain.ConflictError{Key: "bulk.not_draft"}
		}
		// The selection is frozen for good now: customers that changed since the preview so that they
		// no longer match are taken out, and the user sees the new preview first.
		seg, _, _ := domain.ParseSegment(j.Filter)
		if changed, err = postgres.PruneBulkSelection(ctx, tx, id, seg); err != nil || changed > 0 {
			return err // commit what was taken out; the user confirms again
		}
		j.Kind, j.Retained, j.Reason = in.Kind, in.Retained, reason
		if err := postgres.ConfirmBulkJob(ctx, tx, j, now); err != nil {
			return err
		}
		for range Parallel {
			if _, err := b.Queue.InsertTx(ctx, tx, BulkEraseArgs{JobID: id}, nil); err != nil {
				return fmt.Errorf("enqueue bulk job: %w", err)
			}
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, BulkConfirmed, "bulk_job", &id, map[string]any{
			"kind": string(j.Kind), "retained": j.Retained, "customers": j.Total}))
	})
	if err == nil && changed > 0 {
		return &SelectionChanged{Removed: changed}
	}
	return err
}

// Cancel asks a job to stop after its current batch; what is done stays done.
func (b *Bulk) Cancel(ctx context.Context, id int64) error {
	_, actor, err := b.own(ctx, b.DB.Pool, id)
	if err != nil {
		return err
	}
	now := b.Now()
	return b.DB.InTx(ctx, func(tx pgx.Tx) error {
		ok, err := postgres.RequestCancel(ctx, tx, id)
		if err != nil {
			return err
		}
		if !ok {
			return &domain.ConflictError{Key: "bulk.not_running"}
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, BulkCancel, "bulk_job", &id, nil))
	})
}

// Resume enqueues work for every confirmed, unfinished job: after a crash its river job may sit as
// running until river rescues it, and the work must not wait for that. Extra workers are harmless: items
// are claimed with SKIP LOCKED and done once. Serve runs it at start.
func (b *Bulk) Resume(ctx context.Context) (int, error) {
	ids, err := postgres.OpenBulkJobs(ctx, b.DB.Pool)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return len(ids), b.DB.InTx(ctx, func(tx pgx.Tx) error {
		for _, id := range ids {
			if _, err := b.Queue.InsertTx(ctx, tx, BulkEraseArgs{JobID: id}, nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// ErrPendingElsewhere says a worker found nothing to claim while customers of the job are still being
// done by another worker (or held by one that died and whose locks have not been released yet): the
// job's river work comes back later to finish it.
var ErrPendingElsewhere = errors.New("bulk job: customers still in another worker's batch")

// ErrTimeSlice says a worker has worked a job for a time slice: its river work hands over and comes
// back at once, so no execution runs longer than river's rescue of stuck jobs waits.
var ErrTimeSlice = errors.New("bulk job: time slice used")

// TimeSlice is how long one river execution works a job before handing over (ErrTimeSlice).
const TimeSlice = 5 * time.Minute

// Run works a job until nothing is left to claim or it is cancelled, a batch per transaction, then ends
// it (and verifies it) if this worker is the last. A batch in progress when ctx ends is finished first.
// It returns ErrTimeSlice after its time slice.
func (b *Bulk) Run(ctx context.Context, id int64) error {
	var after domain.CustomerID // this worker's last customer: it goes on from there
	start, slice := time.Now(), b.Slice
	if slice <= 0 {
		slice = TimeSlice
	}
	for ctx.Err() == nil {
		n, err := b.batch(context.WithoutCancel(ctx), id, &after)
		if err != nil {
			return err
		}
		if n > 0 && time.Since(start) > slice { // after a batch, so every execution moves the job on
			return ErrTimeSlice
		}
		if n == 0 && after > 0 {
			after = 0 // once more from the start: customers another worker gave back
			continue
		}
		if n == 0 {
			status, err := b.finish(context.WithoutCancel(ctx), id)
			if err != nil || status != "" {
				return err
			}
			j, err := postgres.BulkJobForBatch(ctx, b.DB.Pool, id)
			if err != nil || (j.Status != "queued" && j.Status != "running") {
				return err // ended by another worker, or never confirmed
			}
			return ErrPendingElsewhere
		}
	}
	return ctx.Err()
}

// finish ends the job if nothing is pending or it was asked to stop, and re-scans its customers (the
// verification), in one transaction so the report appears complete. It waits for the job's running
// batches (the job's lock, exclusively) and then counts what they did. It returns the job's new status,
// or "" if the job goes on.
func (b *Bulk) finish(ctx context.Context, id int64) (string, error) {
	now := b.Now()
	var status string
	err := b.DB.InTx(ctx, func(tx pgx.Tx) error {
		if err := postgres.LockBulkJob(ctx, tx, id, false); err != nil {
			return err
		}
		var err error
		// A statement after the lock: it sees every batch committed before the lock was granted.
		if status, err = postgres.FinishBulkJob(ctx, tx, id, now); err != nil || status == "" {
			return err
		}
		violations, err := postgres.VerifyBulkJob(ctx, tx, Inventory, id, now)
		if err != nil {
			return err
		}
		j, err := postgres.BulkJob(ctx, tx, id)
		if err != nil {
			return err
		}
		outcomes := map[string]any{}
		for k, v := range j.Outcomes {
			outcomes[k] = v
		}
		if violations > 0 {
			b.Log.Error("bulk job: customers still hold personal data after the job", "job", id, "count", violations)
		}
		return audit.Record(ctx, tx, audit.Event(now, authz.System(), BulkFinished, "bulk_job", &id,
			map[string]any{"status": status, "outcomes": outcomes, "violations": violations}))
	})
	return status, err
}

// batch erases one batch of a job in one transaction and returns how many customers it took. If the
// batch fails as a whole, its customers are done one by one, so one bad customer is reported as failed
// instead of stopping the job.
func (b *Bulk) batch(ctx context.Context, id int64, after *domain.CustomerID) (int, error) {
	size := b.BatchSize
	if size <= 0 {
		size = BatchSize
	}
	n, err := b.erase(ctx, id, size, after, nil, "")
	if err == nil || ctx.Err() != nil {
		return n, err
	}
	b.Log.Warn("bulk batch failed; doing its customers one by one", "job", id, "err", err)
	pending, perr := postgres.PendingBulkItems(ctx, b.DB.Pool, id, size)
	if perr != nil {
		return 0, errors.Join(err, perr)
	}
	for _, cid := range pending {
		one := []domain.CustomerID{cid}
		if _, err := b.erase(ctx, id, 1, nil, one, ""); err != nil {
			key := customerFailure(err)
			if key == "" {
				return 0, err // not this customer's: the job's river work retries later
			}
			if _, ferr := b.erase(ctx, id, 1, nil, one, key); ferr != nil {
				return 0, errors.Join(err, ferr)
			}
			b.Log.Error("bulk job: customer failed", "job", id, "customer_id", int64(cid), "err", err)
		}
	}
	return len(pending), nil
}

// customerFailure is the message id of an error that belongs to one customer's data (the database
// refused it: bad data, a constraint, a rule), or "" for any other (connection, deadlock, the ledger),
// which must not mark a customer as failed for good.
func customerFailure(err error) string {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return ""
	}
	switch pgErr.Code[:2] {
	case "22":
		return "bulk.error.data"
	case "23":
		return "bulk.error.constraint"
	case "P0":
		return "bulk.error.refused"
	}
	return ""
}

// erase claims up to size pending customers of job id (after *after, which it moves on; of only, if not
// nil) and erases them in one
// transaction, holding the job's lock shared; with failure set, it marks them failed with that message
// id instead. A job that was ended or asked to stop gets no more batches.
func (b *Bulk) erase(ctx context.Context, id int64, size int, after *domain.CustomerID, only []domain.CustomerID, failure string) (int, error) {
	now := b.Now()
	n := 0
	err := b.ledgeredTx(ctx, func(tx pgx.Tx) (*LedgerEntry, error) {
		n = 0
		if err := postgres.LockBulkJob(ctx, tx, id, true); err != nil {
			return nil, err
		}
		j, err := postgres.BulkJobForBatch(ctx, tx, id)
		if err != nil || j.CancelRequested || (j.Status != "queued" && j.Status != "running") {
			return nil, err
		}
		var from domain.CustomerID
		if after != nil {
			from = *after
		}
		ids, err := postgres.ClaimBulkBatch(ctx, tx, id, size, from, only)
		if err != nil || len(ids) == 0 {
			return nil, err
		}
		n = len(ids)
		if after != nil {
			*after = ids[len(ids)-1] // claimed in customer order
		}
		rec := postgres.BulkBatch{JobID: id, Ref: newRef(), Outcomes: map[domain.CustomerID]string{},
			Errors: map[domain.CustomerID]string{}, Worker: b.Worker, Counts: map[string]int{}, Held: map[string]int{}, At: now}
		if failure != "" {
			for _, cid := range ids {
				rec.Outcomes[cid], rec.Errors[cid] = domain.OutcomeFailed, failure
			}
			return nil, postgres.RecordBulkBatch(ctx, tx, rec)
		}
		facts, rule, err := lockFacts(ctx, tx, ids)
		if err != nil {
			return nil, err
		}
		today := now.In(domain.Stockholm)
		var (
			anonIDs, delIDs []domain.CustomerID
			holds           []domain.Hold
			hashes          [][]byte
			evs             []domain.AuditEvent
			customers       []LedgerCustomer
		)
		for _, cid := range ids {
			f := facts[cid]
			if f == nil {
				rec.Outcomes[cid] = domain.OutcomeGone
				continue
			}
			kind := j.Kind
			if kind == domain.EraseDelete {
				if p := plan(f, kind, rule, today); len(p.Blocking) > 0 {
					if j.Retained != "anonymise" {
						rec.Outcomes[cid] = domain.OutcomeSkippedRetention
						continue
					}
					kind = domain.EraseAnonymise
				}
			}
			if kind == domain.EraseAnonymise && f.Customer.AnonymisedAt != nil {
				rec.Outcomes[cid] = domain.OutcomeSkippedAnonymised
				continue
			}
			p := plan(f, kind, rule, today)
			for k, v := range p.Counts {
				rec.Counts[k] += v
			}
			for _, h := range p.Holds {
				rec.Held[h.Until.Format("2006-01-02")]++
			}
			holds = append(holds, p.Holds...)
			c := f.Customer
			hashes = append(hashes, domain.SuppressionHashes(b.Salt, c.Email, c.Phone, c.IDNumber)...)
			action, outcome := Anonymised, domain.OutcomeAnonymised
			if kind == domain.EraseDelete {
				action, outcome = Deleted, domain.OutcomeDeleted
				delIDs = append(delIDs, cid)
			} else {
				anonIDs = append(anonIDs, cid)
			}
			rec.Outcomes[cid] = outcome
			evs = append(evs, audit.Event(now, authz.System(), action, "customer", audit.ID(cid),
				map[string]any{"bulk_job_id": id, "ref": j.Ref}))
			lc := LedgerCustomer{ID: cid, Number: c.Number, Created: c.CreatedAt}
			if kind != j.Kind {
				lc.Kind = kind
			}
			customers = append(customers, lc)
		}
		if err := postgres.AddSuppressions(ctx, tx, hashes, now); err != nil {
			return nil, err
		}
		if len(anonIDs) > 0 {
			done, err := postgres.AnonymiseCustomers(ctx, tx, Inventory, anonIDs, holds, now)
			if err != nil {
				return nil, err
			}
			if len(done) != len(anonIDs) {
				return nil, fmt.Errorf("bulk job %d: anonymised %d of %d locked customers", id, len(done), len(anonIDs))
			}
		}
		if len(delIDs) > 0 {
			done, err := postgres.DeleteCustomers(ctx, tx, Inventory, delIDs)
			if err != nil {
				return nil, err
			}
			if len(done) != len(delIDs) {
				return nil, fmt.Errorf("bulk job %d: deleted %d of %d locked customers", id, len(done), len(delIDs))
			}
		}
		if err := postgres.RecordBulkBatch(ctx, tx, rec); err != nil {
			return nil, err
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
			JobID: id, JobRef: j.Ref, Kind: j.Kind, Confirmed: confirmed, ActorID: j.RequestedBy, ActorName: j.RequestedName,
			Reason: j.Reason, Counts: rec.Counts, Held: rec.Held}}, nil
	})
	return n, err
}

// BulkEraseArgs is the river job that works a bulk job.
type BulkEraseArgs struct {
	JobID int64 `json:"job_id"`
}

// Kind names the job in river's table.
func (BulkEraseArgs) Kind() string { return "gdpr_bulk_erase" }

// BulkQueue is the river queue of bulk jobs, apart from the daily jobs so neither waits for the other.
const BulkQueue = "bulk"

// InsertOpts puts bulk work on its own queue.
func (BulkEraseArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: BulkQueue} }

// BulkEraseWorker runs bulk jobs.
type BulkEraseWorker struct {
	river.WorkerDefaults[BulkEraseArgs]
	Bulk *Bulk
}

// Work runs the job until it is done or cancelled. While another worker still has customers of it, or
// when the server stops, the work comes back shortly (a snooze is not a failed attempt).
func (w *BulkEraseWorker) Work(ctx context.Context, job *river.Job[BulkEraseArgs]) error {
	err := w.Bulk.Run(ctx, job.Args.JobID)
	switch {
	case errors.Is(err, ErrTimeSlice):
		return river.JobSnooze(0)
	case errors.Is(err, ErrPendingElsewhere):
		return river.JobSnooze(5 * time.Second)
	case ctx.Err() != nil:
		return river.JobSnooze(time.Second)
	case err != nil: // river retries; the job's page says why meanwhile
		key := "bulk.retry.other"
		if errors.Is(err, ErrLedger) {
			key = "bulk.retry.ledger"
		}
		if rerr := postgres.RecordBulkRetry(context.WithoutCancel(ctx), w.Bulk.DB.Pool, job.Args.JobID, key, job.Attempt, w.Bulk.Now()); rerr != nil {
			err = errors.Join(err, rerr)
		}
	}
	return err
}

// Timeout bounds one execution: a time slice and the batch in progress at its end (each batch commits
// on its own, and the job goes on in the next execution).
func (w *BulkEraseWorker) Timeout(*river.Job[BulkEraseArgs]) time.Duration {
	return TimeSlice + time.Minute
}

// RescueAfter is how long river lets a job run before it takes it for stuck (its server died) and runs
// it again: longer than any execution (Timeout), short enough that a job is not left waiting for long.
const RescueAfter = TimeSlice + 5*time.Minute
