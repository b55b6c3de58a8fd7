package audit

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/affar/affar/internal/postgres"
)

// sealBatch is how many events one sealing transaction chains.
const sealBatch = 1000

// Sealer chains committed events (postgres.SealAudit). Every server runs one; their advisory lock lets one
// work at a time, so the chain has one head however many servers run.
type Sealer struct {
	Pool  *pgxpool.Pool
	Log   *slog.Logger
	Every time.Duration // how often Run looks for events to seal

	batch        int          // events per transaction (sealBatch unless a test says otherwise)
	beforeCommit func() error // the crash test's hook
}

// SealAll seals until nothing committed is left and returns how many it sealed. wait says whether to
// wait for another sealer at work; without it, SealAll leaves the work to that sealer.
func (s Sealer) SealAll(ctx context.Context, wait bool) (int, error) {
	batch := s.batch
	if batch == 0 {
		batch = sealBatch
	}
	total := 0
	for {
		n, err := postgres.SealAudit(ctx, s.Pool, batch, wait, s.beforeCommit)
		total += n
		if err != nil || n < batch {
			return total, err
		}
	}
}

// Run seals every s.Every until ctx ends. A failure is logged and tried again at the next tick: events
// wait in audit_pending meanwhile, and verification reports them only if they wait too long.
func (s Sealer) Run(ctx context.Context) {
	t := time.NewTicker(s.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if pending, err := postgres.AuditPending(ctx, s.Pool); err != nil || !pending {
			continue
		}
		if _, err := s.SealAll(ctx, false); err != nil && ctx.Err() == nil && s.Log != nil {
			s.Log.Warn("audit sealer", "err", err)
		}
	}
}
