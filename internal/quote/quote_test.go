package quote_test

import (
	"context"
	"errors"
	"testing"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil"
)

// maxOre is the cap, 100 000 000 000 kr in öre (domain.MaxAmountOre).
const maxOre = 10_000_000_000_000

func line(qty, price, vat string) domain.QuoteInput {
	return domain.QuoteInput{QuoteDate: "2026-11-27", ValidUntil: "2026-12-27",
		Lines: []domain.QuoteLineInput{{Description: "Rad", Quantity: qty, UnitPrice: price, VATRate: vat}}}
}

// Quote amounts are capped at 10^13 öre (100 000 000 000 kr) through the service: exactly the cap is
// stored as it is, one öre more and the overflowing product of issue 13 are refused beside the field.
func TestQuoteAmountsAreCappedThroughTheService(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	ctx := authz.WithActor(context.Background(), authz.System())
	c := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Stor Affär AB"})
	q, err := env.Services.Quotes.Create(ctx, c.ID, line("1", "100 000 000 000", "0"))
	if err != nil {
		t.Fatalf("a quote of exactly the cap: %v", err)
	}
	var total int64
	if err := env.DB.Pool.QueryRow(ctx, `SELECT total_ore FROM quotes WHERE id = $1`, q.ID).Scan(&total); err != nil || total != maxOre {
		t.Fatalf("stored total %d (%v), want %d", total, err, maxOre)
	}
	for _, in := range []domain.QuoteInput{line("1", "100 000 000 000,01", "0"), line("123456789", "9999999999999", "25"),
		line("1", "80 000 000 000,01", "25")} {
		_, err := env.Services.Quotes.Create(ctx, c.ID, in)
		var fe domain.FieldErrors
		if !errors.As(err, &fe) || fe["line_0_unit_price"] == "" {
			t.Errorf("create %+v: %v, want a message beside the price", in.Lines[0], err)
		}
		err = env.Services.Quotes.Update(ctx, q.ID, in, q.Version)
		if !errors.As(err, &fe) || fe["line_0_unit_price"] == "" {
			t.Errorf("update to %+v: %v, want a message beside the price", in.Lines[0], err)
		}
	}
	var n int
	var min int64
	if err := env.DB.Pool.QueryRow(ctx, `SELECT count(*), min(total_ore) FROM quotes`).Scan(&n, &min); err != nil || n != 1 || min != maxOre {
		t.Errorf("%d quotes, smallest total %d (%v): a refused quote was stored or changed", n, min, err)
	}
}
