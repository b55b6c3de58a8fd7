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
	// Large amounts are exact up to the cap.
	big := Totals([]QuoteLine{{QtyMilli: 1000, UnitPriceOre: 8_000_000_000_000, VATRate: 25}})
	if big.Exceeded || big.NetOre != 8_000_000_000_000 || big.TotalOre != MaxAmountOre {
		t.Fatalf("large: %+v", big)
	}
}

// Every amount of a quote is capped at 10^13 öre: exactly the cap passes, one öre more is refused, and
// a product that overflows int64 is refused too, never wrapped.
func TestQuoteAmountsAreCappedNeverWrapped(t *testing.T) {
	for _, c := range []struct {
		name  string
		lines []QuoteLine
		want  error
		total int64
	}{
		{"line at the cap", []QuoteLine{{QtyMilli: 1000, UnitPriceOre: MaxAmountOre}}, nil, MaxAmountOre},
		{"line one öre above", []QuoteLine{{QtyMilli: 1000, UnitPriceOre: MaxAmountOre + 1}}, ErrLineAmount, 0},
		{"line rounding to the cap", []QuoteLine{{QtyMilli: 1, UnitPriceOre: MaxAmountOre*1000 + 499}}, nil, MaxAmountOre},
		{"the overflow of issue 13", []QuoteLine{{QtyMilli: 123_456_789_000, UnitPriceOre: 999_999_999_999_900}}, ErrLineAmount, 0},
		{"a product beyond 128 bits' quotient", []QuoteLine{{QtyMilli: 1 << 62, UnitPriceOre: 1 << 62}}, ErrLineAmount, 0},
		{"rate sum at the cap", []QuoteLine{{QtyMilli: 1000, UnitPriceOre: 6_000_000_000_000}, {QtyMilli: 1000, UnitPriceOre: 4_000_000_000_000}}, nil, MaxAmountOre},
		{"rate sum one öre above", []QuoteLine{{QtyMilli: 1000, UnitPriceOre: 6_000_000_000_000}, {QtyMilli: 1000, UnitPriceOre: 4_000_000_000_001}}, ErrRateAmount, 0},
		{"total with VAT at the cap", []QuoteLine{{QtyMilli: 1000, UnitPriceOre: 8_000_000_000_000, VATRate: 25}}, nil, MaxAmountOre},
		{"total with VAT one öre above", []QuoteLine{{QtyMilli: 1000, UnitPriceOre: 8_000_000_000_000, VATRate: 25}, {QtyMilli: 1000, UnitPriceOre: 1, VATRate: 25}}, ErrQuoteAmount, 0},
		{"rates each below, together above", []QuoteLine{{QtyMilli: 1000, UnitPriceOre: 6_000_000_000_000}, {QtyMilli: 1000, UnitPriceOre: 6_000_000_000_000, VATRate: 6}}, ErrQuoteAmount, 0},
	} {
		got, err := CheckedTotals(c.lines)
		if err != c.want || (err == nil && got.TotalOre != c.total) {
			t.Errorf("%s: %+v, %v; want total %d, %v", c.name, got, err, c.total, c.want)
		}
		if shown := Totals(c.lines); shown.Exceeded != (c.want != nil) || shown.TotalOre < 0 || shown.TotalOre > MaxAmountOre {
			t.Errorf("%s: shown as %+v", c.name, shown)
		}
	}
}

// The form marks the field of the line that takes an amount over the cap, whatever else is typed.
func TestQuoteValidationRefusesAmountsAboveTheCap(t *testing.T) {
	in := QuoteInput{QuoteDate: "2026-11-27", ValidUntil: "2026-12-27", Lines: []QuoteLineInput{
		{Description: "Gräns", Quantity: "1", UnitPrice: "100 000 000 000", VATRate: "0"},
		{},
		{Description: "Överflöd", Quantity: "123456789", UnitPrice: "9999999999999", VATRate: "25"},
		{Description: "En öre till", Quantity: "1", UnitPrice: "0,01", VATRate: "0"},
		{Description: "Moms", Quantity: "1", UnitPrice: "1", VATRate: "25"},
	}}
	_, err := in.Validate()
	fe, ok := err.(FieldErrors)
	want := FieldErrors{"line_2_unit_price": "error.line_amount_cap", "line_3_vat_rate": "error.rate_amount_cap",
		"line_4_unit_price": "error.quote_amount_cap"}
	if !ok || len(fe) != len(want) {
		t.Fatalf("%v, want %v", err, want)
	}
	for k, v := range want {
		if fe[k] != v {
			t.Errorf("%s: %q, want %q", k, fe[k], v)
		}
	}
	in.Lines = in.Lines[:1]
	if f, err := in.Validate(); err != nil || Totals(f.Lines).TotalOre != MaxAmountOre {
		t.Errorf("a quote of exactly the cap: %v", err)
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
