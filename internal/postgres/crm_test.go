package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/testutil/pgtest"
)

// TestSegmentSortsWalkAnIndex: on 10 000 customers, a later page of the CRM table in each order, either
// way, reads its sort index (migrations 3, 18 and 19) from the cursor on instead of sorting the whole register.
func TestSegmentSortsWalkAnIndex(t *testing.T) {
	db, url := pgtest.New(t)
	ctx := context.Background()
	_, err := db.Pool.Exec(ctx, `INSERT INTO customers (kind, name, city, created_at, updated_at, last_activity_at)
		SELECT CASE WHEN i % 3 = 0 THEN 'company' ELSE 'person' END, 'Kund ' || i, 'Ort ' || (i % 97), now(), now(),
			now() - (i * 7919 % 10000) * interval '1 minute'
		FROM generate_series(1, 10000) i`)
	if err != nil {
		t.Fatal(err)
	}
	// Statistics, as autovacuum keeps them (by the owner: the server's role may not ANALYZE): without them
	// the planner guesses that many customers are restricted and reads the whole table for them
	// (postgres.unrestricted) instead of the partial index of the few.
	if _, err := pgtest.Owner(t, url).Pool.Exec(ctx, `ANALYZE customers`); err != nil {
		t.Fatal(err)
	}
	var cursor domain.CustomerID
	if err := db.Pool.QueryRow(ctx, `SELECT id FROM customers ORDER BY id OFFSET 5000 LIMIT 1`).Scan(&cursor); err != nil {
		t.Fatal(err)
	}
	index := map[domain.SegmentSort]string{domain.SegmentByNumber: "customers_number_key", domain.SegmentByName: "customers_name_sort",
		domain.SegmentByKind: "customers_kind_sort", domain.SegmentByCity: "customers_city_sort", domain.SegmentByActivity: "customers_activity_sort"}
	for _, sort := range domain.SegmentSorts {
		for _, desc := range []bool{false, true} {
			sql, args := postgres.SegmentPageSQL(domain.SegmentQuery{Sort: sort, Desc: desc, After: cursor, Limit: 50})
			rows, err := db.Pool.Query(ctx, "EXPLAIN "+sql, args...)
			if err != nil {
				t.Fatal(err)
			}
			lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			plan := strings.Join(lines, "\n")
			if strings.Contains(plan, "Seq Scan") || !strings.Contains(plan, "Index Scan Backward using "+index[sort]) && desc ||
				!strings.Contains(plan, "Index Scan using "+index[sort]) && !desc {
				t.Errorf("%s desc=%v: the page does not walk an index:\n%s", sort, desc, plan)
			}
		}
	}
}
