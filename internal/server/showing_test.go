package server

import (
	"net/url"
	"testing"

	"github.com/affar/affar/templates/components"
)

// TestShowingCountsPositions: "Visar 51–100 av 302" from the position the pager carries; the last page is
// counted back from a known total, and a stale position never runs past it.
func TestShowingCountsPositions(t *testing.T) {
	for _, c := range []struct {
		name             string
		at, n, total     int
		capped, lastPage bool
		want             components.Showing
	}{
		{"first page", 1, 50, 302, false, false, components.Showing{From: 1, To: 50, Total: 302}},
		{"second page", 51, 50, 302, false, false, components.Showing{From: 51, To: 100, Total: 302}},
		{"last page from the total", 1, 2, 302, false, true, components.Showing{From: 301, To: 302, Total: 302}},
		{"stale position", 301, 50, 302, false, false, components.Showing{From: 253, To: 302, Total: 302}},
		{"capped total", 1051, 50, 1000, true, false, components.Showing{From: 1051, To: 1100, Total: 1000, Capped: true}},
	} {
		if got := showing(c.at, c.n, c.total, c.capped, c.lastPage); got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

// TestPageSizeIsOneOfTheChoices: a list never pages by a size it does not offer.
func TestPageSizeIsOneOfTheChoices(t *testing.T) {
	for in, want := range map[string]int{"": 50, "25": 25, "100": 100, "1000000": 50, "-1": 50, "x": 50} {
		if got := pageSizeParam(url.Values{"size": {in}}); got != want {
			t.Errorf("size=%q: got %d, want %d", in, got, want)
		}
	}
	sizes := pageSizes(100, func(set map[string]string) string { return "/l?size=" + set["size"] })
	if len(sizes) != 3 || !sizes[2].Current || sizes[1].URL != "/l?size=" {
		t.Errorf("choices: %+v", sizes)
	}
}
