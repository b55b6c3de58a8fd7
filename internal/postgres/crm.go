package postgres

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

// segmentWhere turns a CRM segment into WHERE conditions on customers c, from fixed fragments (none for
// an empty segment: join them with and). The customer list's filters are a segment too.
func segmentWhere(s domain.Segment, args *[]any) []string {
	arg := func(v any) string {
		*args = append(*args, v)
		return "$" + strconv.Itoa(len(*args))
	}
	var w []string
	if s.Kind != "" {
		w = append(w, "c.kind = "+arg(string(s.Kind)))
	}
	if s.City != "" {
		w = append(w, "c.city_key = lower("+arg(s.City)+")")
	}
	switch s.Consent {
	case "yes":
		w = append(w, "c.marketing_consent")
	case "no":
		w = append(w, "NOT c.marketing_consent")
	}
	for _, r := range []struct {
		t  *time.Time
		op string
	}{{s.CreatedFrom, "c.created_at >= "}, {s.CreatedTo, "c.created_at < "}, {s.ActiveFrom, "c.last_activity_at >= "},
		{s.ActiveTo, "c.last_activity_at < "}} {
		if r.t != nil {
			w = append(w, r.op+arg(*r.t))
		}
	}
	switch s.Anonymised {
	case "yes":
		w = append(w, "c.anonymised_at IS NOT NULL")
	case "no":
		w = append(w, "c.anonymised_at IS NULL")
	}
	switch s.Quotes {
	case "any":
		w = append(w, "EXISTS (SELECT 1 FROM quotes q WHERE q.customer_id = c.id)")
	case "none":
		w = append(w, "NOT EXISTS (SELECT 1 FROM quotes q WHERE q.customer_id = c.id)")
	}
	if s.NoQuotesSince != nil {
		w = append(w, "NOT EXISTS (SELECT 1 FROM quotes q WHERE q.customer_id = c.id AND q.quote_date >= "+arg(s.NoQuotesSince.Format(domain.DateLayout))+"::date)")
	}
	if s.QuoteStatus != "" {
		w = append(w, "EXISTS (SELECT 1 FROM quotes q WHERE q.customer_id = c.id AND q.status = "+arg(string(s.QuoteStatus))+")")
	}
	return w
}

// SegmentPage returns up to limit customers of the segment after the given id, in id order, whether more
// follow, and how many match in all.
func SegmentPage(ctx context.Context, q Querier, s domain.Segment, after domain.CustomerID, limit int) ([]domain.Customer, bool, int, error) {
	var args []any
	where := and(segmentWhere(s, &args)...)
	n := len(args)
	b := &pgx.Batch{}
	b.Queue(`SELECT `+customerColumns+` FROM customers c WHERE `+where+` AND c.id > $`+strconv.Itoa(n+1)+
		` ORDER BY c.id LIMIT $`+strconv.Itoa(n+2), append(args, after, limit+1)...)
	b.Queue(`SELECT count(*) FROM customers c WHERE `+where, args...)
	br := q.SendBatch(ctx, b)
	defer br.Close()
	rows, err := br.Query()
	if err != nil {
		return nil, false, 0, mapErr(err, "segment page")
	}
	page, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Customer, error) { return scanCustomer(r) })
	if err != nil {
		return nil, false, 0, mapErr(err, "segment page")
	}
	var total int
	if err := br.QueryRow().Scan(&total); err != nil {
		return nil, false, 0, mapErr(err, "segment count")
	}
	more := len(page) > limit
	if more {
		page = page[:limit]
	}
	return page, more, total, nil
}

// RecentQuotes lists the newest quotes, of one status if status is not "".
func RecentQuotes(ctx context.Context, q Querier, status domain.QuoteStatus, limit int) ([]domain.QuoteSummary, error) {
	rows, err := q.Query(ctx, `SELECT `+quoteColumns+`, c.number, c.name, c.anonymised_at IS NOT NULL
		FROM quotes q JOIN customers c ON c.id = q.customer_id
		WHERE $1 = '' OR q.status = $1 ORDER BY q.quote_date DESC, q.id DESC LIMIT $2`, string(status), limit)
	if err != nil {
		return nil, mapErr(err, "recent quotes")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.QuoteSummary, error) {
		var s domain.QuoteSummary
		var err error
		s.Quote, err = scanQuote(r, &s.CustomerNumber, &s.CustomerName, &s.Anonymised)
		return s, err
	})
	return out, mapErr(err, "recent quotes")
}
