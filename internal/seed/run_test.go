package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/seed"
	"github.com/affar/affar/internal/testutil/pgtest"
)

func indexDefs(t *testing.T, db *postgres.DB) []string {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexdef`)
	if err != nil {
		t.Fatal(err)
	}
	defs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return defs
}

// TestSeedLoadsEverythingAndKeepsTheSchema: a seed into an empty register drops and rebuilds the
// secondary indexes; afterwards the schema is exactly as migrated, the rows are there and the audit
// chain holds.
func TestSeedLoadsEverythingAndKeepsTheSchema(t *testing.T) {
	_, url := pgtest.New(t)
	db := pgtest.Owner(t, url) // dropping and building indexes is the owner's, as for affar seed

	ctx := authz.WithActor(context.Background(), authz.System())
	before := indexDefs(t, db)
	if err := seed.Run(ctx, db, seed.Generator{Seed: 7, Now: time.Now()}, 600); err != nil {
		t.Fatal(err)
	}
	after := indexDefs(t, db)
	if len(before) != len(after) {
		t.Fatalf("%d indexes before the seed, %d after", len(before), len(after))
	}
	for i := range before {
		if before[i] != after[i] {
			t.Fatalf("index changed by the seed:\n%s\n%s", before[i], after[i])
		}
	}
	var customers, quotes, lines, suppliers int
	err := db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM quotes),
		(SELECT count(*) FROM quote_lines), (SELECT count(*) FROM suppliers)`).Scan(&customers, &quotes, &lines, &suppliers)
	if err != nil || customers != 600 || quotes < 100 || lines < quotes || suppliers != 12 {
		t.Fatalf("seeded %d customers, %d quotes, %d lines, %d suppliers (%v)", customers, quotes, lines, suppliers, err)
	}
	// A second seed into a register with data adds to it without touching the indexes.
	if err := seed.Run(ctx, db, seed.Generator{Seed: 8, Now: time.Now()}, 100); err != nil {
		t.Fatal(err)
	}
	if got := indexDefs(t, db); len(got) != len(before) {
		t.Fatalf("%d indexes after a second seed", len(got))
	}
	if res, err := audit.Verify(ctx, db.Pool); err != nil || res.Events != 2 {
		t.Fatalf("audit after two seeds: %d events, %v", res.Events, err)
	}
}
