package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/postgres"
)

// flushDenials appends the counts of refusals of minutes gone by to the audit chain (audit.RecordDenial):
// at start, for those an earlier run left, and then every minute until ctx ends. Several servers may do it
// at once; each counter is taken once.
func flushDenials(ctx context.Context, db *postgres.DB, log *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if err := audit.FlushDenials(ctx, db, time.Now()); err != nil && ctx.Err() == nil {
			log.Warn("audit: counts of refusals not flushed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
