package customerimport

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
)

// Run imports a confirmed import a batch of rows per transaction: each batch commits its customers with
// its rows' outcomes (and clears their values) and its audit events, so after a crash the next run goes on
// from the first row without an outcome and does nothing twice, and nothing committed lacks its event.
// The last batch ends the import and audits its totals.
func (s *Service) Run(ctx context.Context, id int64) error {
	start := time.Now()
	for ctx.Err() == nil {
		done, err := s.batch(ctx, id)
		if err != nil || done {
			return err
		}
		if time.Since(start) > TimeSlice {
			return river.JobSnooze(time.Second) // hand over, well within river's rescue of stuck jobs
		}
	}
	return ctx.Err()
}

// TimeSlice is how long one river execution imports before it hands over to the next.
const TimeSlice = 4 * time.Minute

// Queue is the river queue of imports: one at a time, beside the mail and the bulk jobs.
const Queue = "imports"

// InsertOpts puts imports on their queue.
func (ImportArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: Queue} }

// batch imports the next rows of import id; it reports whether the import is over.
func (s *Service) batch(ctx context.Context, id int64) (bool, error) {
	now := s.Now()
	done := false
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		im, err := postgres.ImportForBatch(ctx, tx, id)
		if err != nil || im.Status != "queued" {
			done = true
			return err
		}
		rows, err := postgres.ClaimImportRows(ctx, tx, id, Batch)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			done = true
			return s.finish(ctx, tx, id, now)
		}
		nos, outcomes := make([]int, len(rows)), make([]string, len(rows))
		var fresh []domain.Customer // created in one COPY
		counts := map[domain.ImportOutcome]int{}
		for i, r := range rows {
			c, o, err := s.importRow(ctx, tx, im, r, now)
			if err != nil {
				return err
			}
			if c != nil {
				fresh = append(fresh, *c)
			}
			nos[i], outcomes[i] = r.Row, string(o)
			counts[o]++
		}
		if _, err := postgres.CopyCustomers(ctx, tx, len(fresh), func(i int) domain.Customer {
			c := fresh[i]
			c.CreatedAt, c.UpdatedAt, c.LastActivityAt = now, now, now
			return c
		}); err != nil {
			return err
		}
		if err := postgres.SetImportOutcomes(ctx, tx, id, nos, outcomes); err != nil {
			return err
		}
		details := withOutcomes(map[string]any{"from_row": rows[0].Row, "to_row": rows[len(rows)-1].Row}, counts)
		return audit.Record(ctx, tx, audit.Event(now, authz.System(), BatchImported, "customer_import", &id, details))
	})
	return done, err
}

// importRow writes one row as the user chose, or returns the customer to create with the batch.
func (s *Service) importRow(ctx context.Context, tx pgx.Tx, im domain.Import, r domain.ImportRow, now time.Time) (*domain.Customer, domain.ImportOutcome, error) {
	switch {
	case r.State == domain.ImportInvalid, r.State == domain.ImportHeld && !r.Include:
		return nil, domain.ImportLeftOut, nil
	case r.State == domain.ImportDuplicate && im.Duplicates != "update":
		return nil, domain.ImportSkipped, nil
	case r.State == domain.ImportDuplicate:
		o, err := s.update(ctx, tx, im, r, now)
		return nil, o, err
	}
	c, err := customerOf(r.Input, now)
	if err != nil {
		return nil, domain.ImportFailed, nil // a rule changed since the check: left for the user to see
	}
	if !r.Objected {
		return &c, domain.ImportCreated, nil
	}
	// The person objected to direct marketing before being erased: the new customer carries it (art. 21(3)).
	if c, err = postgres.CreateCustomer(ctx, tx, c, now); err != nil {
		return nil, "", err
	}
	hit, err := postgres.ObjectionMatch(ctx, tx, domain.SuppressionHashes(s.ErasureSalt, c.Email, c.Phone, c.IDNumber))
	if err != nil || hit == nil {
		return nil, domain.ImportCreated, err
	}
	_, err = postgres.AddObjection(ctx, tx, domain.Objection{CustomerID: c.ID, ObjectedOn: hit.ObjectedOn, Channel: hit.Channel,
		RecordedAt: now, CarriedOver: true}, im.CreatedBy)
	return nil, domain.ImportCreated, err
}

// update changes the fields the file has of the duplicate's customer, and leaves the others as they are.
func (s *Service) update(ctx context.Context, tx pgx.Tx, im domain.Import, r domain.ImportRow, now time.Time) (domain.ImportOutcome, error) {
	old, err := postgres.CustomerForUpdate(ctx, tx, r.MatchID)
	if err != nil || old.AnonymisedAt != nil || old.RestrictedAt != nil {
		return domain.ImportFailed, nil // gone, anonymised or restricted since the check
	}
	v := map[string]string{}
	for _, f := range domain.CustomerFields.Typed() {
		v[f.Name] = domain.Value(&old, "db", f.Name).String()
	}
	for _, f := range im.Fields {
		v[f] = r.Input[f]
	}
	c, err := customerOf(v, now)
	if err != nil {
		return domain.ImportFailed, nil
	}
	c.ID = old.ID
	changed := old.ChangedFields(c)
	if len(changed) == 0 { // as Rectify: nothing written, so no new version and no event
		return domain.ImportUpdated, nil
	}
	if err := postgres.UpdateCustomer(ctx, tx, c, now); err != nil {
		return "", err
	}
	// Under the customer and by who uploaded the file, as a change by hand is, so the customer's own log
	// shows who changed which fields.
	by := authz.System()
	if im.CreatedBy != nil {
		by = authz.NewActor(domain.User{ID: *im.CreatedBy}, nil)
	}
	return domain.ImportUpdated, audit.Record(ctx, tx, audit.Event(now, by, DuplicateUpdated, audit.Customer,
		audit.ID(c.ID), map[string]any{"fields": changed, "import_id": im.ID}))
}

// finish ends the import and audits it once, with the counts of its outcomes.
func (s *Service) finish(ctx context.Context, tx pgx.Tx, id int64, now time.Time) error {
	ok, err := postgres.FinishImport(ctx, tx, id, now)
	if err != nil || !ok {
		return err
	}
	im, err := postgres.Import(ctx, tx, id, false)
	if err != nil {
		return err
	}
	details := withOutcomes(map[string]any{"rows": im.Total, "duplicates": im.Duplicates}, im.Outcomes)
	return audit.Record(ctx, tx, audit.Event(now, authz.System(), Finished, "customer_import", &id, details))
}

// withOutcomes adds the rows per outcome to an import's audit details, one key per outcome.
func withOutcomes(details map[string]any, counts map[domain.ImportOutcome]int) map[string]any {
	for o, n := range counts {
		details[string(o)] = n
	}
	return details
}

// Worker runs confirmed imports.
type Worker struct {
	river.WorkerDefaults[ImportArgs]
	Imports *Service
}

// Timeout lets an execution run its time slice.
func (w *Worker) Timeout(*river.Job[ImportArgs]) time.Duration { return TimeSlice + time.Minute }

// Work imports one import.
func (w *Worker) Work(ctx context.Context, job *river.Job[ImportArgs]) error {
	return w.Imports.Run(ctx, job.Args.ID)
}

// Cleanup removes the previews nobody confirmed within a day (postgres.StaleImport), with the rows of
// their files: an upload keeps personal data only as long as it waits for its confirmation.
func (s *Service) Cleanup(ctx context.Context) (int, error) {
	return postgres.DeleteStaleImports(ctx, s.DB.Pool, s.Now())
}

// CleanupArgs is the nightly clean-up of stale previews.
type CleanupArgs struct{}

// Kind names the job for river.
func (CleanupArgs) Kind() string { return "customer_import_cleanup" }

// CleanupWorker runs Cleanup.
type CleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	Imports *Service
}

// Work removes the stale previews.
func (w *CleanupWorker) Work(ctx context.Context, _ *river.Job[CleanupArgs]) error {
	_, err := w.Imports.Cleanup(ctx)
	return err
}

// PeriodicJob schedules the clean-up on sched (nightly) and at start.
func PeriodicJob(sched river.PeriodicSchedule) *river.PeriodicJob {
	return river.NewPeriodicJob(sched, func() (river.JobArgs, *river.InsertOpts) { return CleanupArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
