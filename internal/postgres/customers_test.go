package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/testutil/pgtest"
)

// TestSearchPagesAreCompleteWhateverThePlan checks every search plan (collect few matches, walk the sort
// order, give up the walk and collect, walk far) against the expected order: every page holds exactly
// the next matches.
func TestSearchPagesAreCompleteWhateverThePlan(t *testing.T) {
	db, _ := pgtest.New(t)
	ctx := context.Background()
	// 25 000 customers: 21 500 "Kund", 600 "Örjan Öberg" and 2 500 "Östen Ek" (sort last), 400 "Anna Berg"
	// (sort first).
	_, err := db.Pool.Exec(ctx, `INSERT INTO customers (kind, name, city, created_at, updated_at, last_activity_at)
		SELECT 'person', CASE WHEN i <= 600 THEN 'Örjan Öberg ' WHEN i <= 1000 THEN 'Anna Berg '
			WHEN i <= 3500 THEN 'Östen Ek ' ELSE 'Kund ' END || lpad(i::text, 5, '0'),
			CASE WHEN i % 2 = 0 THEN 'Umeå' ELSE 'Lund' END, now(), now(), now() - i * interval '1 minute'
		FROM generate_series(1, 25000) i`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		q, city string
		want    int
	}{
		{"öberg 0000", "", 9},  // few: collected
		{"öberg", "", 600},     // walk gives up (all sort last), collected
		{"anna berg", "", 400}, // walk finds them at once
		{"berg", "umeå", 500},  // with a filter
		{"kund", "", 24000},    // more than TotalCap: walked
		{"Ör", "", 600},        // short: name prefix
	} {
		f := domain.CustomerFilter{Q: tc.q, City: tc.city, Sort: domain.SortName, Limit: 50}
		var got []string
		for pages := 0; ; pages++ {
			page, err := postgres.CustomerPage(ctx, db.Pool, f)
			if err != nil {
				t.Fatalf("%q: %v", tc.q, err)
			}
			for _, c := range page.Rows {
				got = append(got, c.Name)
			}
			if !page.HasNext || pages > 600 {
				break
			}
			f.After = page.Rows[len(page.Rows)-1].ID
			if tc.want > 3000 && len(got) >= 2000 {
				break // enough to check order and completeness of the start
			}
		}
		if tc.want <= 3000 && len(got) != tc.want {
			t.Errorf("%q: paged through %d matches, want %d", tc.q, len(got), tc.want)
		}
		if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
			t.Errorf("%q: pages out of order or repeating", tc.q)
		}
		for _, name := range got {
			if !strings.Contains(strings.ToLower(name), strings.ToLower(strings.Fields(tc.q)[0])) {
				t.Errorf("%q: %q does not match", tc.q, name)
				break
			}
		}
		if tc.q == "kund" && (len(got) < 2000 || got[0] != fmt.Sprintf("Kund %05d", 3501)) {
			t.Errorf("%q: first of %d is %q", tc.q, len(got), got[0])
		}
	}
}

// TestNumberSearchesWalkWithTheirOwnColumns: a number search with many matches takes the walking plan too.
func TestNumberSearchesWalkWithTheirOwnColumns(t *testing.T) {
	db, _ := pgtest.New(t)
	ctx := context.Background()
	_, err := db.Pool.Exec(ctx, `INSERT INTO customers (kind, name, phone, created_at, updated_at, last_activity_at)
		SELECT 'person', 'Kund ' || lpad(i::text, 5, '0'), '070-' || lpad(i::text, 7, '0'), now(), now(), now()
		FROM generate_series(1, 1500) i`)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"070", "07", "+46 70"} {
		page, err := postgres.CustomerPage(ctx, db.Pool, domain.CustomerFilter{Q: q, Sort: domain.SortName, Limit: 50})
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		if q != "07" && (len(page.Rows) != 50 || !page.Capped) {
			t.Errorf("%q: %d rows, capped %v; want a full page of more than a thousand matches", q, len(page.Rows), page.Capped)
		}
	}
}
