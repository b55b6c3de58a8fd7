package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/testutil/pgtest"
)

// TestQuoteListReadsAnIndex: on 12 000 quotes the quote list's first page, newest first or by total,
// walks an index instead of sorting every quote, and its rows are in the order asked for.
func TestQuoteListReadsAnIndex(t *testing.T) {
	db, _ := pgtest.New(t)
	ctx := context.Background()
	_, err := db.Pool.Exec(ctx, `INSERT INTO customers (kind, name, created_at, updated_at, last_activity_at)
		SELECT 'company', 'Kund ' || i, now(), now(), now() FROM generate_series(1, 1000) i`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Pool.Exec(ctx, `INSERT INTO quotes (customer_id, quote_date, valid_until, net_ore, vat_ore, total_ore, created_at, updated_at)
		SELECT (SELECT min(id) FROM customers) + i % 1000, date '2020-01-01' + i % 2000, date '2020-02-01' + i % 2000,
			(i * 7919) % 1000000, 0, (i * 7919) % 1000000, now(), now()
		FROM generate_series(1, 12000) i`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `ANALYZE quotes; ANALYZE customers`); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f     domain.QuoteFilter
		index string
		less  func(a, b domain.Quote) bool
	}{
		{domain.QuoteFilter{Sort: domain.QuoteSortDate, Desc: true}, "quotes_date", func(a, b domain.Quote) bool { return !a.QuoteDate.Before(b.QuoteDate) }},
		{domain.QuoteFilter{Sort: domain.QuoteSortTotal, Desc: true}, "quotes_total", func(a, b domain.Quote) bool { return a.Totals.TotalOre >= b.Totals.TotalOre }},
		{domain.QuoteFilter{Sort: domain.QuoteSortTotal}, "quotes_total", func(a, b domain.Quote) bool { return a.Totals.TotalOre <= b.Totals.TotalOre }},
	} {
		pageSQL, args, _, _ := postgres.QuoteListSQL(tc.f)
		plan := explain(t, db, pageSQL, args...)
		if !strings.Contains(plan, tc.index) || strings.Contains(plan, "Sort Key") {
			t.Errorf("sort %s: the plan does not walk %s:\n%s", tc.f.Sort, tc.index, plan)
		}
		page, err := postgres.ListQuotes(ctx, db.Pool, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != 12000 || len(page.Rows) != domain.QuoteListPageSize {
			t.Fatalf("sort %s: %d rows of %d", tc.f.Sort, len(page.Rows), page.Total)
		}
		for i := 1; i < len(page.Rows); i++ {
			if !tc.less(page.Rows[i-1].Quote, page.Rows[i].Quote) {
				t.Errorf("sort %s: row %d is out of order", tc.f.Sort, i)
			}
		}
	}
}
