package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/postgres"
)

// flushDenials appends the counts of refusals of minutes gone by to the audit chain (audit.RecordDenial):
// at start, for those an earlier run left, and then a second after each minute ends, until ctx ends.
// Several servers may do it at once; each counter is taken once.
func flushDenials(ctx context.Context, db *postgres.DB, log *slog.Logger) {
	for {
		now := time.Now()
		if err := audit.FlushDenials(ctx, db, now); err != nil && ctx.Err() == nil {
			log.Warn("audit: counts of refusals not flushed", "err", err)
		}
		t := time.NewTimer(time.Until(now.Truncate(time.Minute).Add(time.Minute + time.Second)))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}
