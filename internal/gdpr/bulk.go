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
	// Yield is called after each batch with the time it took, to wait while people are served (pace.Gauge).
	Yield func(ctx context.Context, worked time.Duration)
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
		RequestedName: actor.Name, Status: domain.BulkDraft, CreatedAt: now}
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
	if j.Status == domain.BulkDraft {
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

// SelectionPage is how many customers a page of a job's selection lists.
const SelectionPage = 50

// Selection is a page of the customers frozen in job id after the customer after, and whether more
// follow. Like the CRM screen's list it shows names without recording a view: that is done per customer,
// on the pages that show all of one customer's data.
func (b *Bulk) Selection(ctx context.Context, id int64, after domain.CustomerID) ([]domain.Customer, bool, error) {
	if _, err := authz.RequireAll(ctx, authz.CustomerBulkErase, authz.CustomerView); err != nil {
		return nil, false, err
	}
	if _, _, err := b.own(ctx, b.DB.Pool, id); err != nil {
		return nil, false, err
	}
	return postgres.BulkSelection(ctx, b.DB.Pool, id, after, SelectionPage)
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
	Kind        domain.ErasureKind
	OnRetention domain.RetentionChoice // delete jobs
	Reason      string
	Count       string // the number of customers, typed, above ConfirmCountAbove
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
	need := checkChoice(fe, &in)
	if need == nil {
		if _, err := authz.RequireAll(ctx, authz.CustomerBulkErase, authz.CustomerView); err != nil {
			return err
		}
		return fe
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
		if err == nil {
			err = checkConfirmation(ctx, tx, fe, j, in.Count, reason)
		}
		if err != nil {
			return err
		}
		j.Kind, j.OnRetention, j.Reason = in.Kind, in.OnRetention, reason
		changed, err = b.start(ctx, tx, actor, j, now)
		return err
	})
	if err == nil && changed > 0 {
		return &SelectionChanged{Removed: changed}
	}
	return err
}

// checkChoice checks the kind of job and, for delete jobs, the choice for the customers under retention
// (anonymise jobs skip them: they have none they cannot erase). It returns the permissions the job
// needs, or nil if fe now says what is wrong with the choice.
func checkChoice(fe domain.FieldErrors, in *ConfirmInput) []authz.Permission {
	if in.Kind != domain.EraseDelete && in.Kind != domain.EraseAnonymise {
		fe["kind"] = "bulk.error.kind"
	}
	if in.Kind == domain.EraseDelete && in.OnRetention != domain.RetentionSkip && in.OnRetention != domain.RetentionAnonymise {
		fe["retained"] = "bulk.error.retained"
	}
	if in.Kind == domain.EraseAnonymise {
		in.OnRetention = domain.RetentionSkip
	}
	if fe["kind"] != "" || fe["retained"] != "" {
		return nil
	}
	need := []authz.Permission{authz.CustomerBulkErase, authz.CustomerView, permFor(in.Kind)}
	if in.Kind == domain.EraseDelete && in.OnRetention == domain.RetentionAnonymise {
		need = append(need, authz.CustomerAnonymise)
	}
	return need
}

// checkConfirmation checks what was typed to confirm draft job j: the count (above ConfirmCountAbove)
// and the reason, which must not name a customer of the selection.
func checkConfirmation(ctx context.Context, tx pgx.Tx, fe domain.FieldErrors, j domain.BulkJob, count, reason string) error {
	if j.Total > ConfirmCountAbove && strings.TrimSpace(strings.ReplaceAll(count, " ", "")) != strconv.Itoa(j.Total) {
		fe["count"] = "bulk.error.count"
	}
	// Over the selection as it stands: customers pruned below were in it when the reason was typed.
	named, err := checkReason(ctx, tx, fe, reason, j.ID, nil)
	switch {
	case err != nil:
		return err
	case named != 0:
		return &ReasonNames{FieldErrors: fe, Customer: named}
	case len(fe) > 0:
		return fe
	}
	if j.Status != domain.BulkDraft {
		return &domain.ConflictError{Key: "bulk.not_draft"}
	}
	return nil
}

// start queues draft job j with the user's choices, unless customers changed since the preview so that
// they no longer match: then it takes them out and returns how many, and the user sees the new preview
// first. The selection is frozen for good either way.
func (b *Bulk) start(ctx context.Context, tx pgx.Tx, actor authz.Actor, j domain.BulkJob, now time.Time) (int, error) {
	seg, _, _ := domain.ParseSegment(j.Filter)
	if changed, err := postgres.PruneBulkSelection(ctx, tx, j.ID, seg); err != nil || changed > 0 {
		return changed, err // commit what was taken out; the user confirms again
	}
	if err := postgres.ConfirmBulkJob(ctx, tx, j, now); err != nil {
		return 0, err
	}
	for range Parallel {
		if _, err := b.Queue.InsertTx(ctx, tx, BulkEraseArgs{JobID: j.ID}, nil); err != nil {
			return 0, fmt.Errorf("enqueue bulk job: %w", err)
		}
	}
	return 0, audit.Record(ctx, tx, audit.Event(now, actor, BulkConfirmed, "bulk_job", &j.ID, map[string]any{
		"kind": string(j.Kind), "retained": string(j.OnRetention), "customers": j.Total}))
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
		t0 := time.Now()
		n, last, err := b.batch(context.WithoutCancel(ctx), id, after)
		after = last
		if err != nil {
			return err
		}
		if n > 0 && b.Yield != nil {
			b.Yield(ctx, time.Since(t0))
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
			if err != nil || !j.Status.Open() {
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
func (b *Bulk) finish(ctx context.Context, id int64) (domain.BulkStatus, error) {
	now := b.Now()
	var status domain.BulkStatus
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
			map[string]any{"status": string(status), "outcomes": outcomes, "violations": violations}))
	})
	return status, err
}

// batch erases one batch of a job in one transaction: up to the batch size of its pending customers
// after the customer after (this worker's last). It returns how many customers it took and the last
// customer it claimed (after, if none). If the batch fails as a whole, its customers are done one by
// one, so one bad customer is reported as failed instead of stopping the job.
func (b *Bulk) batch(ctx context.Context, id int64, after domain.CustomerID) (int, domain.CustomerID, error) {
	size := b.BatchSize
	if size <= 0 {
		size = BatchSize
	}
	ids, err := b.inBatch(ctx, id, size, after, nil, b.erase)
	if len(ids) > 0 {
		after = ids[len(ids)-1] // claimed in customer order
	}
	if err == nil || ctx.Err() != nil {
		return len(ids), after, err
	}
	b.Log.Warn("bulk batch failed; doing its customers one by one", "job", id, "err", err)
	pending, perr := postgres.PendingBulkItems(ctx, b.DB.Pool, id, size)
	if perr != nil {
		return 0, after, errors.Join(err, perr)
	}
	for _, cid := range pending {
		one := []domain.CustomerID{cid}
		if _, err := b.inBatch(ctx, id, 1, 0, one, b.erase); err != nil {
			// Only the database refusing this customer's data fails the customer for good; anything else
			// (connection, deadlock, the ledger) is not this customer's: the job's river work retries later.
			var refused *domain.RefusedError
			if !errors.As(err, &refused) {
				return 0, after, err
			}
			if _, ferr := b.inBatch(ctx, id, 1, 0, one, b.failed("bulk.error."+string(refused.Why))); ferr != nil {
				return 0, after, errors.Join(err, ferr)
			}
			b.Log.Error("bulk job: customer failed", "job", id, "customer_id", int64(cid), "err", err)
		}
	}
	return len(pending), after, nil
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
