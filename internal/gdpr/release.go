package gdpr

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

// releaseBatch is how many held snapshots one transaction clears.
const releaseBatch = 500

// ReleaseHolds clears the quote snapshots of anonymised customers whose retention hold has ended, each
// with an audit event, in batches. It is the daily river job and `affar gdpr release-holds`.
func (s *Service) ReleaseHolds(ctx context.Context) (int, error) {
	actor := authz.System()
	total := 0
	for {
		now := s.Now()
		var released []postgres.ReleasedHold
		err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
			var err error
			if released, err = postgres.ReleaseHolds(ctx, tx, Inventory, now.In(domain.Stockholm), releaseBatch); err != nil || len(released) == 0 {
				return err
			}
			evs := make([]domain.AuditEvent, len(released))
			for i, h := range released {
				evs[i] = audit.Event(now, actor, HoldReleased, "quote", audit.ID(h.QuoteID),
					map[string]any{"customer_id": int64(h.CustomerID)})
			}
			return audit.Record(ctx, tx, evs...)
		})
		total += len(released)
		if err != nil || len(released) < releaseBatch {
			return total, err
		}
	}
}

// ReleaseHoldsArgs is the river job that runs ReleaseHolds.
type ReleaseHoldsArgs struct{}

// Kind names the job in river's table.
func (ReleaseHoldsArgs) Kind() string { return "gdpr_release_holds" }

// ReleaseHoldsWorker runs the job.
type ReleaseHoldsWorker struct {
	river.WorkerDefaults[ReleaseHoldsArgs]
	Service *Service
}

// Work releases every ended hold.
func (w *ReleaseHoldsWorker) Work(ctx context.Context, _ *river.Job[ReleaseHoldsArgs]) error {
	_, err := w.Service.ReleaseHolds(ctx)
	return err
}

// Daily is a river schedule: every day at the given hour, Swedish time.
type Daily struct{ Hour int }

// Next is the first run after t.
func (d Daily) Next(t time.Time) time.Time {
	l := t.In(domain.Stockholm)
	next := time.Date(l.Year(), l.Month(), l.Day(), d.Hour, 0, 0, 0, domain.Stockholm)
	if !next.After(l) {
		next = time.Date(l.Year(), l.Month(), l.Day()+1, d.Hour, 0, 0, 0, domain.Stockholm)
	}
	return next
}

// PeriodicJobs are the river jobs gdpr schedules: the hold release, daily at 03:00 and at start (so a
// server that was down at 03:00 catches up), and the retention rules.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(Daily{Hour: 3}, func() (river.JobArgs, *river.InsertOpts) {
		return ReleaseHoldsArgs{}, nil
	}, &river.PeriodicJobOpts{RunOnStart: true}),
		// The retention rules at 02:00, before the hold release; not at start, so a restart in the day does
		// not erase in the middle of someone's work (the rules find what is due on any later night).
		river.NewPeriodicJob(Daily{Hour: 2}, func() (river.JobArgs, *river.InsertOpts) {
			return RetentionRulesArgs{}, nil
		}, nil)}
}

// AddWorkers registers gdpr's river workers.
func AddWorkers(w *river.Workers, s *Service, b *Bulk, rules *Rules) {
	river.AddWorker(w, &ReleaseHoldsWorker{Service: s})
	river.AddWorker(w, &RetentionRulesWorker{Rules: rules})
	river.AddWorker(w, &BulkEraseWorker{Bulk: b})
}
