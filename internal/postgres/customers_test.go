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

// TestLargeSearchPagesBothWays pages through a search with more matches than collectLimit, in both
// directions and both orders, checking each page against the expected slice.
func TestLargeSearchPagesBothWays(t *testing.T) {
	db, _ := pgtest.New(t)
	ctx := context.Background()
	_, err := db.Pool.Exec(ctx, `INSERT INTO customers (kind, name, created_at, updated_at, last_activity_at)
		SELECT 'person', 'Kund ' || lpad(i::text, 5, '0'), now(), now(), now() FROM generate_series(1, 21000) i`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sort domain.CustomerSort
		desc bool
	}{{domain.SortNumber, true}, {domain.SortNumber, false}, {domain.SortName, true}} {
		name := fmt.Sprintf("%s desc=%v", tc.sort, tc.desc)
		f := domain.CustomerFilter{Q: "kund", Sort: tc.sort, Desc: tc.desc, Limit: 50}
		first, err := postgres.CustomerPage(ctx, db.Pool, f)
		if err != nil || len(first.Rows) != 50 || first.HasPrev || !first.HasNext {
			t.Fatalf("%s: first page %d rows, prev %v, next %v, %v", name, len(first.Rows), first.HasPrev, first.HasNext, err)
		}
		f.After = first.Rows[49].ID
		second, err := postgres.CustomerPage(ctx, db.Pool, f)
		if err != nil || len(second.Rows) != 50 || !second.HasPrev {
			t.Fatalf("%s: second page %d rows, %v", name, len(second.Rows), err)
		}
		f.After, f.Before = 0, second.Rows[0].ID
		back, err := postgres.CustomerPage(ctx, db.Pool, f)
		if err != nil || fmt.Sprint(ids(back.Rows)) != fmt.Sprint(ids(first.Rows)) || back.HasPrev {
			t.Errorf("%s: back from page 2 gives %d rows (prev %v), want page 1 again", name, len(back.Rows), back.HasPrev)
		}
		f.Before, f.Last = 0, true
		last, err := postgres.CustomerPage(ctx, db.Pool, f)
		if err != nil || len(last.Rows) != 50 || last.HasNext || !last.HasPrev {
			t.Fatalf("%s: last page %d rows, next %v, %v", name, len(last.Rows), last.HasNext, err)
		}
		f.Last, f.After = false, last.Rows[0].ID
		f.Before, f.After = last.Rows[0].ID, 0
		beforeLast, err := postgres.CustomerPage(ctx, db.Pool, f)
		if err != nil || len(beforeLast.Rows) != 50 {
			t.Fatalf("%s: page before the last: %d rows, %v", name, len(beforeLast.Rows), err)
		}
		f.Before, f.After = 0, beforeLast.Rows[49].ID
		again, err := postgres.CustomerPage(ctx, db.Pool, f)
		if err != nil || fmt.Sprint(ids(again.Rows)) != fmt.Sprint(ids(last.Rows)) || again.HasNext {
			t.Errorf("%s: forward from the page before the last gives %d rows, want the last page", name, len(again.Rows))
		}
	}
}

func ids(cs []domain.Customer) []domain.CustomerID {
	out := make([]domain.CustomerID, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}
