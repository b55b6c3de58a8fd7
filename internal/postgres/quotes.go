package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

const quoteColumns = `q.id, q.number, q.customer_id, q.status, q.quote_date, q.valid_until, q.net_ore, q.vat_ore,
	q.total_ore, q.billing_name, q.billing_street, q.billing_postal_code, q.billing_city, q.billing_email,
	q.created_at, q.updated_at, q.sent_at, q.decided_at, q.version`

// quoteList is a customer's quotes, newest first (childList).
var quoteList = childList{quoteColumns, `quotes q`, `q.customer_id`, `q.quote_date DESC, q.id DESC`}

func scanQuote(row pgx.Row, extra ...any) (domain.Quote, error) {
	var q domain.Quote
	err := row.Scan(append([]any{&q.ID, &q.Number, &q.CustomerID, &q.Status, &q.QuoteDate, &q.ValidUntil, &q.Totals.NetOre,
		&q.Totals.VATOre, &q.Totals.TotalOre, &q.Billing.Name, &q.Billing.Street, &q.Billing.PostalCode,
		&q.Billing.City, &q.Billing.Email, &q.CreatedAt, &q.UpdatedAt, &q.SentAt, &q.DecidedAt, &q.Version}, extra...)...)
	return q, err
}

// CreateQuote inserts a draft quote with its lines and returns it with id and number.
func CreateQuote(ctx context.Context, tx pgx.Tx, customer domain.CustomerID, f domain.QuoteFields, now time.Time) (domain.Quote, error) {
	t, err := domain.CheckedTotals(f.Lines)
	if err != nil {
		return domain.Quote{}, err
	}
	q, err := scanQuote(tx.QueryRow(ctx, `INSERT INTO quotes AS q (customer_id, quote_date, valid_until, net_ore,
		vat_ore, total_ore, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING `+quoteColumns,
		customer, f.QuoteDate, f.ValidUntil, t.NetOre, t.VATOre, t.TotalOre, now))
	if err != nil {
		return q, mapErr(err, "create quote")
	}
	q.Lines = f.Lines
	return q, insertQuoteLines(ctx, tx, q.ID, f.Lines)
}

func insertQuoteLines(ctx context.Context, tx pgx.Tx, id domain.QuoteID, lines []domain.QuoteLine) error {
	rows := make([][]any, len(lines))
	for i, l := range lines {
		rows[i] = []any{id, i + 1, l.Description, l.QtyMilli, l.UnitPriceOre, l.VATRate}
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"quote_lines"},
		[]string{"quote_id", "position", "description", "qty_milli", "unit_price_ore", "vat_rate"}, pgx.CopyFromRows(rows))
	return mapErr(err, "quote lines")
}

// UpdateQuote replaces a draft's dates and lines and raises its version.
func UpdateQuote(ctx context.Context, tx pgx.Tx, id domain.QuoteID, f domain.QuoteFields, now time.Time) error {
	t, err := domain.CheckedTotals(f.Lines)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE quotes SET quote_date = $2, valid_until = $3, net_ore = $4, vat_ore = $5,
		total_ore = $6, updated_at = $7, version = version + 1 WHERE id = $1`,
		id, f.QuoteDate, f.ValidUntil, t.NetOre, t.VATOre, t.TotalOre, now); err != nil {
		return mapErr(err, "update quote")
	}
	if _, err := tx.Exec(ctx, `DELETE FROM quote_lines WHERE quote_id = $1`, id); err != nil {
		return mapErr(err, "update quote")
	}
	return insertQuoteLines(ctx, tx, id, f.Lines)
}

// Quote loads a quote with its lines; forUpdate locks it (inside a transaction).
func Quote(ctx context.Context, q Querier, id domain.QuoteID, forUpdate bool) (domain.Quote, error) {
	lock := ""
	if forUpdate {
		lock = " FOR UPDATE"
	}
	quote, err := scanQuote(q.QueryRow(ctx, `SELECT `+quoteColumns+` FROM quotes q WHERE q.id = $1`+lock, id))
	if err != nil {
		return quote, mapErr(err, "quote")
	}
	rows, err := q.Query(ctx, `SELECT description, qty_milli, unit_price_ore, vat_rate FROM quote_lines
		WHERE quote_id = $1 ORDER BY position`, id)
	if err != nil {
		return quote, mapErr(err, "quote lines")
	}
	quote.Lines, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.QuoteLine, error) {
		var l domain.QuoteLine
		err := r.Scan(&l.Description, &l.QtyMilli, &l.UnitPriceOre, &l.VATRate)
		return l, err
	})
	quote.Totals = domain.Totals(quote.Lines)
	return quote, mapErr(err, "quote lines")
}

// SetQuoteStatus moves a quote to status; billing, when given, is the snapshot taken at sending.
func SetQuoteStatus(ctx context.Context, tx pgx.Tx, id domain.QuoteID, status domain.QuoteStatus, billing *domain.Billing, now time.Time) error {
	var err error
	if billing != nil {
		_, err = tx.Exec(ctx, `UPDATE quotes SET status = $2, sent_at = $3, updated_at = $3, version = version + 1,
			billing_name = $4, billing_street = $5, billing_postal_code = $6, billing_city = $7, billing_email = $8
			WHERE id = $1`, id, status, now, billing.Name, billing.Street, billing.PostalCode, billing.City, billing.Email)
	} else {
		_, err = tx.Exec(ctx, `UPDATE quotes SET status = $2, decided_at = $3, updated_at = $3, version = version + 1
			WHERE id = $1`, id, status, now)
	}
	return mapErr(err, "set quote status")
}

// QuoteCustomer is the customer a quote is for.
func QuoteCustomer(ctx context.Context, q Querier, id domain.QuoteID) (domain.CustomerID, error) {
	var c domain.CustomerID
	err := q.QueryRow(ctx, `SELECT customer_id FROM quotes WHERE id = $1`, id).Scan(&c)
	return c, mapErr(err, "quote customer")
}

// TouchCustomerActivity records activity (a quote event) without changing the customer's details.
func TouchCustomerActivity(ctx context.Context, q Querier, id domain.CustomerID, now time.Time) error {
	_, err := q.Exec(ctx, `UPDATE customers SET last_activity_at = greatest(last_activity_at, $2) WHERE id = $1`, id, now)
	return mapErr(err, "touch customer activity")
}
