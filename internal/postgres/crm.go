package postgres

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

// segmentWhere turns a CRM segment into WHERE conditions on customers c, from fixed fragments (none for
// an empty segment: join them with and). The customer list's filters are a segment too. Restricted
// customers are left out (unrestricted) unless the segment shows them.
func segmentWhere(s domain.Segment, args *[]any) []string {
	arg := func(v any) string {
		*args = append(*args, v)
		return "$" + strconv.Itoa(len(*args))
	}
	var w []string
	if v := visible(s.ShowRestricted); v != "" {
		w = append(w, v)
	}
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

// segmentSorts are the fixed ORDER BY expressions of the CRM table; each has an index ending in id
// (migrations 3, 18 and 19), so every order pages by keyset. Kinds sort by their stored value, which is also
// the order of their names (Företag before Privatperson, Company before Person).
var segmentSorts = map[domain.SegmentSort]string{
	domain.SegmentByNumber:   `c.number`,
	domain.SegmentByName:     `c.name COLLATE "sv-x-icu"`,
	domain.SegmentByKind:     `c.kind`,
	domain.SegmentByCity:     `c.city COLLATE "sv-x-icu"`,
	domain.SegmentByActivity: `c.last_activity_at`,
}

// segmentPageSQL is the query of a page of sq, whose segment's conditions are where (values in args).
func segmentPageSQL(sq domain.SegmentQuery, where string, args []any) (string, []any) {
	expr, ok := segmentSorts[sq.Sort]
	if !ok {
		expr = segmentSorts[domain.SegmentByNumber]
	}
	dir, cmp := "ASC", ">"
	if sq.Desc {
		dir, cmp = "DESC", "<"
	}
	keyset := "TRUE"
	if sq.After != 0 {
		// A cursor row deleted since gives NULL: an empty page, which links back to the first.
		args = append(args, sq.After)
		keyset = fmt.Sprintf("(%s, c.id) %s ((SELECT %s FROM customers c WHERE c.id = $%d), $%d)", expr, cmp, expr, len(args), len(args))
	}
	args = append(args, sq.Limit+1)
	return fmt.Sprintf(`SELECT %s FROM customers c WHERE %s AND %s ORDER BY %s %s, c.id %s LIMIT $%d`,
		customerColumns, where, keyset, expr, dir, dir, len(args)), args
}

// SegmentPage returns up to sq.Limit customers of the segment after sq.After in the order asked for,
// whether more follow, how many match in all and how many of sq.Ticked are among them.
func SegmentPage(ctx context.Context, q Querier, sq domain.SegmentQuery) (domain.SegmentPage, error) {
	var args []any
	where := and(segmentWhere(sq.Segment, &args)...)
	n := len(args)
	pageSQL, pageArgs := segmentPageSQL(sq, where, slices.Clone(args))
	b := &pgx.Batch{}
	b.Queue(pageSQL, pageArgs...)
	b.Queue(`SELECT count(*) FROM customers c WHERE `+where, args...)
	b.Queue(`SELECT count(*) FROM customers c WHERE `+where+` AND c.id = ANY($`+strconv.Itoa(n+1)+`)`,
		append(args, sq.Ticked)...)
	br := q.SendBatch(ctx, b)
	defer br.Close()
	rows, err := br.Query()
	if err != nil {
		return domain.SegmentPage{}, mapErr(err, "segment page")
	}
	var page domain.SegmentPage
	page.Rows, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Customer, error) { return scanCustomer(r) })
	if err != nil {
		return domain.SegmentPage{}, mapErr(err, "segment page")
	}
	if err := br.QueryRow().Scan(&page.Total); err != nil {
		return domain.SegmentPage{}, mapErr(err, "segment count")
	}
	if err := br.QueryRow().Scan(&page.Ticked); err != nil {
		return domain.SegmentPage{}, mapErr(err, "segment ticked")
	}
	if page.More = len(page.Rows) > sq.Limit; page.More {
		page.Rows = page.Rows[:sq.Limit]
	}
	return page, nil
}

// RecentQuotes lists the newest quotes of the segment's customers, of one status if status is not "".
func RecentQuotes(ctx context.Context, q Querier, s domain.Segment, status domain.QuoteStatus, limit int) ([]domain.QuoteSummary, error) {
	var args []any
	where := segmentWhere(s, &args)
	if status != "" {
		args = append(args, string(status))
		where = append(where, "q.status = $"+strconv.Itoa(len(args)))
	}
	args = append(args, limit)
	rows, err := q.Query(ctx, `SELECT `+quoteColumns+`, c.number, c.name, c.anonymised_at IS NOT NULL, `+restrictedCol+`
		FROM quotes q JOIN customers c ON c.id = q.customer_id
		WHERE `+and(where...)+` ORDER BY q.quote_date DESC, q.id DESC LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, mapErr(err, "recent quotes")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.QuoteSummary, error) {
		var s domain.QuoteSummary
		var err error
		s.Quote, err = scanQuote(r, &s.CustomerNumber, &s.CustomerName, &s.Anonymised, &s.Restricted)
		return s, err
	})
	return out, mapErr(err, "recent quotes")
}
