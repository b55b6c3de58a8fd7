package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

// quoteListOrder is the ORDER BY of each sort column of the quote list, ascending; the quote id breaks
// ties so that pages do not overlap; statuses sort in their life's order ($6, domain.QuoteStatuses). Fixed
// fragments only: the sort is chosen, never typed.
var quoteListOrder = map[domain.QuoteSort]string{
	domain.QuoteSortNumber:     "q.number %[1]s",
	domain.QuoteSortCustomer:   "c.name %[1]s, q.id %[1]s",
	domain.QuoteSortDate:       "q.quote_date %[1]s, q.id %[1]s",
	domain.QuoteSortValidUntil: "q.valid_until %[1]s, q.id %[1]s",
	domain.QuoteSortStatus:     "array_position($6::text[], q.status) %[1]s, q.id %[1]s",
	domain.QuoteSortTotal:      "q.total_ore %[1]s, q.id %[1]s",
}

// ListQuotes is one page of all quotes with their customers, filtered and sorted as f says, and the
// number of quotes the filter selects, in one round trip.
func ListQuotes(ctx context.Context, q Querier, f domain.QuoteFilter) (domain.QuotePage, error) {
	pageSQL, pageArgs, countSQL, countArgs := quoteListSQL(f)
	b := &pgx.Batch{}
	b.Queue(pageSQL, pageArgs...)
	b.Queue(countSQL, countArgs...)
	br := q.SendBatch(ctx, b)
	defer br.Close()
	rows, err := br.Query()
	if err != nil {
		return domain.QuotePage{}, mapErr(err, "list quotes")
	}
	var page domain.QuotePage
	page.Rows, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.QuoteSummary, error) {
		var s domain.QuoteSummary
		var err error
		s.Quote, err = scanQuote(r, &s.CustomerNumber, &s.CustomerName, &s.Anonymised, &s.Restricted)
		return s, err
	})
	if err != nil {
		return domain.QuotePage{}, mapErr(err, "list quotes")
	}
	err = br.QueryRow().Scan(&page.Total)
	return page, mapErr(err, "count quotes")
}

// quoteListSQL is the quote list's page query and its count query, with their arguments.
func quoteListSQL(f domain.QuoteFilter) (pageSQL string, pageArgs []any, countSQL string, countArgs []any) {
	order, ok := quoteListOrder[f.Sort]
	if !ok {
		order = quoteListOrder[domain.QuoteSortDate]
	}
	dir := "ASC"
	if f.Desc {
		dir = "DESC"
	}
	where := and(`($1 = '' OR q.status = $1) AND ($2::date IS NULL OR q.quote_date >= $2) AND ($3::date IS NULL OR q.quote_date <= $3)`,
		visible(f.ShowRestricted))
	countArgs = []any{string(f.Status), f.From, f.To}
	pageArgs = append(slices.Clip(countArgs), domain.QuoteListPageSize, f.Page*domain.QuoteListPageSize)
	if strings.Contains(order, "$6") {
		pageArgs = append(pageArgs, domain.QuoteStatuses)
	}
	pageSQL = `SELECT ` + quoteColumns + `, c.number, c.name, c.anonymised_at IS NOT NULL, ` + restrictedCol + `
		FROM quotes q JOIN customers c ON c.id = q.customer_id WHERE ` + where + `
		ORDER BY ` + fmt.Sprintf(order, dir) + ` LIMIT $4 OFFSET $5`
	return pageSQL, pageArgs, `SELECT count(*) FROM quotes q JOIN customers c ON c.id = q.customer_id WHERE ` + where, countArgs
}
