package audit

import "github.com/jackc/pgx/v5/pgxpool"

// SealerForTest is a Sealer with batch events per transaction and a hook before each commit.
func SealerForTest(pool *pgxpool.Pool, batch int, beforeCommit func() error) Sealer {
	return Sealer{Pool: pool, batch: batch, beforeCommit: beforeCommit}
}
