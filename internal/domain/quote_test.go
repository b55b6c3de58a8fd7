package domain

import (
	"testing"
)

func TestQuoteTotalsAreExact(t *testing.T) {
	// 3 × 33,33 kr at 25 %: 99,99 kr net, 24,9975 → 25,00 kr VAT, 124,99 kr in all.
	got := Totals([]QuoteLine{{Description: "Konsulttimme", QtyMilli: 3000, UnitPriceOre: 3333, VATRate: 25}})
	if got.NetOre != 9999 || got.VATOre != 2500 || got.TotalOre != 12499 {
		t.Fatalf("3 × 33,33 kr at 25 %%: %+v", got)
	}
	// Mixed rates and a fractional quantity: 1,5 h × 850 kr (25 %) + 2 books × 199 kr (6 %) + 0,333 × 10 kr (12 %).
	got = Totals([]QuoteLine{
		{QtyMilli: 1500, UnitPriceOre: 85000, VATRate: 25},
		{QtyMilli: 2000, UnitPriceOre: 19900, VATRate: 6},
		{QtyMilli: 333, UnitPriceOre: 1000, VATRate: 12},
	})
	if got.NetByRate[25] != 127500 || got.NetByRate[6] != 39800 || got.NetByRate[12] != 333 {
		t.Fatalf("nets by rate: %v", got.NetByRate)
	}
	if got.VATByRate[25] != 31875 || got.VATByRate[6] != 2388 || got.VATByRate[12] != 40 {
		t.Fatalf("VAT by rate: %v", got.VATByRate)
	}
	if got.NetOre != 167633 || got.VATOre != 34303 || got.TotalOre != 201936 {
		t.Fatalf("totals: %+v", got)
	}
	// Large amounts do not overflow.
	big := Totals([]QuoteLine{{QtyMilli: 1_000_000_000, UnitPriceOre: 1_000_000_000, VATRate: 25}})
	if big.NetOre != 1_000_000_000_000_000 || big.TotalOre != 1_250_000_000_000_000 {
		t.Fatalf("large: %+v", big)
	}
}

func TestQuantities(t *testing.T) {
	for in, want := range map[string]int64{"3": 3000, "1,5": 1500, "0.25": 250, "2,125": 2125} {
		if got, err := ParseQuantity(in); err != nil || got != want {
			t.Errorf("%q: %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "0", "-1", "1,2345", "x"} {
		if _, err := ParseQuantity(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
	if FormatQuantity(1500) != "1,5" || FormatQuantity(3000) != "3" {
		t.Error("FormatQuantity")
	}
}

func TestQuoteStatusTransitions(t *testing.T) {
	allowed := map[[2]QuoteStatus]bool{{QuoteDraft, QuoteSent}: true, {QuoteSent, QuoteAccepted}: true,
		{QuoteSent, QuoteRejected}: true, {QuoteSent, QuoteExpired}: true}
	all := []QuoteStatus{QuoteDraft, QuoteSent, QuoteAccepted, QuoteRejected, QuoteExpired}
	for _, a := range all {
		for _, b := range all {
			if a.CanBecome(b) != allowed[[2]QuoteStatus{a, b}] {
				t.Errorf("%s → %s: %v", a, b, a.CanBecome(b))
			}
		}
	}
}

func TestQuoteValidation(t *testing.T) {
	_, err := QuoteInput{QuoteDate: "2026-11-27", ValidUntil: "2026-11-01", Lines: []QuoteLineInput{
		{Description: "Timme", Quantity: "x", UnitPrice: "100", VATRate: "25"},
		{Description: "", Quantity: "", UnitPrice: "", VATRate: "25"}, // empty: ignored
		{Description: "Bok", Quantity: "1", UnitPrice: "-3", VATRate: "7"},
	}}.Validate()
	fe, ok := err.(FieldErrors)
	if !ok {
		t.Fatalf("invalid quote accepted: %v", err)
	}
	for _, f := range []string{"valid_until", "line_0_quantity", "line_2_unit_price", "line_2_vat_rate"} {
		if fe[f] == "" {
			t.Errorf("no message for %s: %v", f, fe)
		}
	}
	if _, bad := fe["line_1_description"]; bad {
		t.Error("an empty line was validated")
	}
}
