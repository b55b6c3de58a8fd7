package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

// keysetList is a list read a page at a time, ordered by one sort expression and then id. Every sort
// expression uses only the columns of table (alias), so the cursor row's key is read by id; each has an
// index ending in id where the table may be large.
type keysetList struct {
	table, alias string            // "suppliers", "s"
	columns      string            // the select list
	joins        string            // joined after the table, for the select list only
	sorts        map[string]string // sort name → expression
	def          string            // the default sort name
	where        []string          // conditions on the table, values in args
	args         []any
	what         string // for errors
}

// arg adds a value and returns its placeholder.
func (l *keysetList) arg(v any) string {
	l.args = append(l.args, v)
	return fmt.Sprintf("$%d", len(l.args))
}

// keysetPage reads the page r asks for, with the count of all matching rows up to domain.TotalCap.
func keysetPage[T any](ctx context.Context, q Querier, l keysetList, r domain.ListRequest,
	scan func(pgx.CollectableRow) (T, error)) (domain.ListPage[T], error) {
	var page domain.ListPage[T]
	countSQL, countArgs, pageSQL, pageArgs := l.sql(r)
	if err := q.QueryRow(ctx, countSQL, countArgs...).Scan(&page.Total); err != nil {
		return page, mapErr(err, l.what+" count")
	}
	if page.Total > domain.TotalCap {
		page.Total, page.Capped = domain.TotalCap, true
	}
	rows, err := q.Query(ctx, pageSQL, pageArgs...)
	if err != nil {
		return page, mapErr(err, l.what+" page")
	}
	list, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return page, mapErr(err, l.what+" page")
	}
	page.Rows, page.HasPrev, page.HasNext = pageEnds(list, r.Limit, r.After, r.Before, r.Backwards())
	return page, nil
}

// sql is the count (up to domain.TotalCap+1) and the page query for r, each with its args.
func (l keysetList) sql(r domain.ListRequest) (countSQL string, countArgs []any, pageSQL string, pageArgs []any) {
	countSQL = fmt.Sprintf(`SELECT count(*) FROM (SELECT 1 FROM %s %s WHERE %s LIMIT %d) n`,
		l.table, l.alias, and(l.where...), domain.TotalCap+1)
	countArgs = slices.Clip(l.args)
	expr, ok := l.sorts[r.Sort]
	if !ok {
		expr = l.sorts[l.def]
	}
	dir, cmp := "ASC", ">"
	if r.Desc != r.Backwards() {
		dir, cmp = "DESC", "<"
	}
	id := l.alias + ".id"
	conds := slices.Clone(l.where)
	if cursor := max(r.After, r.Before); cursor != 0 && !(r.Last && r.After == 0) {
		n := l.arg(cursor)
		conds = append(conds, fmt.Sprintf("(%s, %s) %s ((SELECT %s FROM %s %s WHERE %s = %s), %s)",
			expr, id, cmp, expr, l.table, l.alias, id, n, n))
	}
	limit := l.arg(r.Limit + 1)
	pageSQL = fmt.Sprintf(`SELECT %s FROM %s %s %s WHERE %s ORDER BY %s %s, %s %s LIMIT %s`,
		l.columns, l.table, l.alias, l.joins, and(conds...), expr, dir, id, dir, limit)
	return countSQL, countArgs, pageSQL, l.args
}

// pageEnds turns the limit+1 rows a keyset page read into the page in display order, and tells whether
// there are pages before and after it: the extra row shows there is more in the direction read.
func pageEnds[T any](list []T, limit int, after, before int64, backwards bool) (rows []T, hasPrev, hasNext bool) {
	more := len(list) > limit
	if more {
		list = list[:limit]
	}
	if backwards {
		slices.Reverse(list)
		return list, more, before != 0
	}
	return list, after != 0, more
}
