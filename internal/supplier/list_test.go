package supplier_test

import (
	"fmt"
	"testing"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil/svctest"
)

// TestListSortsAndPages: the list sorts by a column either way, ties by id, and pages by keyset from the
// last row shown with each supplier once; the count is of all matches.
func TestListSortsAndPages(t *testing.T) {
	h := svctest.New(t)
	cities := []string{"Umea", "Arboga", "Lund"}
	var want []domain.SupplierID // by city descending, then id descending
	ids := map[string][]domain.SupplierID{}
	for i := range 8 {
		s := h.MustCreateSupplier(t, domain.SupplierInput{Name: fmt.Sprintf("Lev %d AB", 8-i), City: cities[i%3]})
		ids[s.City] = append(ids[s.City], s.ID)
	}
	for _, c := range []string{"Umea", "Lund", "Arboga"} {
		for i := len(ids[c]) - 1; i >= 0; i-- {
			want = append(want, ids[c][i])
		}
	}
	var got []domain.SupplierID
	r := domain.ListRequest{Sort: "city", Desc: true, Limit: 3}
	for range 5 {
		page, err := h.Services.Suppliers.List(sys, "", r)
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != 8 || page.Capped {
			t.Errorf("total %d (capped %v), want 8", page.Total, page.Capped)
		}
		for _, s := range page.Rows {
			got = append(got, s.ID)
		}
		if !page.HasNext {
			break
		}
		r.After = int64(page.Rows[len(page.Rows)-1].ID)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("by city descending: %v, want %v", got, want)
	}
	// Back from the last page by name: the page before it, in order.
	last, err := h.Services.Suppliers.List(sys, "", domain.ListRequest{Last: true, Limit: 3})
	if err != nil || len(last.Rows) != 3 || last.Rows[0].Name != "Lev 6 AB" || last.HasNext || !last.HasPrev {
		t.Fatalf("last page by name: %+v, %v", last, err)
	}
	prev, err := h.Services.Suppliers.List(sys, "", domain.ListRequest{Before: int64(last.Rows[0].ID), Limit: 3})
	if err != nil || len(prev.Rows) != 3 || prev.Rows[0].Name != "Lev 3 AB" || prev.Rows[2].Name != "Lev 5 AB" {
		t.Errorf("the page before: %+v, %v", prev.Rows, err)
	}
	// No size asked for: the default.
	if page, _ := h.Services.Suppliers.List(sys, "", domain.ListRequest{}); len(page.Rows) != 8 {
		t.Errorf("default size: %d rows", len(page.Rows))
	}
}
