package bench

import (
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"unicode"
)

// TestNamesAsNumbersLeavesNoNameSearch: with -names-as-numbers the mix's searches are all numbers, and
// without it a third of them are names, so a bound run cannot pass for the mix or the reverse.
func TestNamesAsNumbersLeavesNoNameSearch(t *testing.T) {
	for _, asNumbers := range []bool{false, true} {
		r := rand.New(rand.NewPCG(1, 2))
		names, searches := 0, 0
		for _, req := range mix(1000, asNumbers) {
			if req.name != "search" {
				continue
			}
			for range 600 {
				u, err := url.Parse(req.path(r))
				if err != nil {
					t.Fatal(err)
				}
				searches++
				if strings.ContainsFunc(u.Query().Get("q"), unicode.IsLetter) {
					names++
				}
			}
		}
		if asNumbers && names != 0 {
			t.Errorf("-names-as-numbers: %d of %d searches are names", names, searches)
		}
		if !asNumbers && (names < searches/4 || names > searches/2) {
			t.Errorf("the issue's mix: %d of %d searches are names, not about a third", names, searches)
		}
	}
}
