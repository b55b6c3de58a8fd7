package domain

import (
	"math/rand/v2"
	"testing"
)

// TestQuoteSumsAddAsCheckedTotalsWould: adding lines one at a time refuses exactly the lines, with exactly
// the errors, that CheckedTotals of the lines kept so far and the new one would, and ends at its totals.
func TestQuoteSumsAddAsCheckedTotalsWould(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 7))
	rates := []int{0, 6, 12, 25}
	amount := func() int64 { // around the cap, below it and negative (credits), so every refusal happens
		switch r.IntN(3) {
		case 0:
			return r.Int64N(MaxAmountOre/2) - MaxAmountOre/8
		case 1:
			return r.Int64N(2 * MaxAmountOre)
		}
		return r.Int64N(100_000_00)
	}
	seen := map[error]int{}
	for round := range 2000 {
		var sums quoteSums
		var kept []QuoteLine
		for range 1 + r.IntN(12) {
			l := QuoteLine{QtyMilli: 1000 * (1 + r.Int64N(3)), UnitPriceOre: amount(), VATRate: rates[r.IntN(len(rates))]}
			_, want := CheckedTotals(append(kept, l))
			if got := sums.add(l); got != want {
				t.Fatalf("round %d, line %+v after %d kept: add says %v, CheckedTotals %v", round, l, len(kept), got, want)
			}
			seen[want]++
			if want == nil {
				kept = append(kept, l)
			}
		}
		if len(kept) == 0 {
			continue
		}
		want, _ := CheckedTotals(kept)
		if sums.net != want.NetOre || sums.vat != want.VATOre {
			t.Fatalf("round %d: sums %d + %d, CheckedTotals %+v", round, sums.net, sums.vat, want)
		}
	}
	for _, err := range []error{nil, ErrLineAmount, ErrRateAmount, ErrQuoteAmount} {
		if seen[err] == 0 {
			t.Errorf("no line gave %v: the lines do not reach every refusal", err)
		}
	}
}
