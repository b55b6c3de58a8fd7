package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

// scanCustomer reads a row of customerColumns (and extra after them).
func scanCustomer(row pgx.Row, extra ...any) (domain.Customer, error) {
	var c domain.Customer
	err := row.Scan(append(customerScan.Targets(&c), extra...)...)
	return c, err
}

// CreateCustomer inserts c and returns it with id and number assigned.
func CreateCustomer(ctx context.Context, q Querier, c domain.Customer, now time.Time) (domain.Customer, error) {
	n := len(customerTyped)
	sql := fmt.Sprintf(`INSERT INTO customers AS c (%s, created_at, updated_at, last_activity_at)
		VALUES (%s, $%d, $%d, $%d) RETURNING %s`, columnList("", customerTyped), placeholders(1, n), n+1, n+1, n+1, customerColumns)
	out, err := scanCustomer(q.QueryRow(ctx, sql, append(customerWrite.Values(&c), now)...))
	return out, mapErr(err, "create customer")
}

// Customer loads one customer.
func Customer(ctx context.Context, q Querier, id domain.CustomerID) (domain.Customer, error) {
	c, err := scanCustomer(q.QueryRow(ctx, `SELECT `+customerColumns+` FROM customers c WHERE c.id = $1`, id))
	return c, mapErr(err, "customer")
}

// CustomerForUpdate loads and locks one customer inside tx.
func CustomerForUpdate(ctx context.Context, tx pgx.Tx, id domain.CustomerID) (domain.Customer, error) {
	c, err := scanCustomer(tx.QueryRow(ctx, `SELECT `+customerColumns+` FROM customers c WHERE c.id = $1 FOR UPDATE`, id))
	return c, mapErr(err, "customer for update")
}

// EditableCustomer loads and locks one customer inside tx, refusing an anonymised one (Customer.Editable).
func EditableCustomer(ctx context.Context, tx pgx.Tx, id domain.CustomerID) (domain.Customer, error) {
	c, err := CustomerForUpdate(ctx, tx, id)
	if err == nil {
		err = c.Editable()
	}
	return c, err
}

// UpdateCustomer stores the editable fields of c.
func UpdateCustomer(ctx context.Context, q Querier, c domain.Customer, now time.Time) error {
	n := len(customerTyped)
	sql := fmt.Sprintf(`UPDATE customers SET %s, updated_at = $%d, last_activity_at = greatest(last_activity_at, $%d),
		version = version + 1 WHERE id = $1`, assignments(2, customerTyped), n+2, n+2)
	args := append(append([]any{c.ID}, customerWrite.Values(&c)...), now)
	_, err := q.Exec(ctx, sql, args...)
	return mapErr(err, "update customer")
}

// sortExprs are the fixed ORDER BY expressions; each has an index ending in id (migrations 3 and 19). The
// columns are NOT NULL (empty is ”), so the keyset comparison never meets a NULL.
var sortExprs = map[domain.CustomerSort]string{
	domain.SortName:     `c.name COLLATE "sv-x-icu"`,
	domain.SortNumber:   `c.number`,
	domain.SortCreated:  `c.created_at`,
	domain.SortActivity: `c.last_activity_at`,
	domain.SortIDNumber: `c.id_number COLLATE "sv-x-icu"`,
	domain.SortEmail:    `c.email COLLATE "sv-x-icu"`,
	domain.SortPhone:    `c.phone COLLATE "sv-x-icu"`,
	domain.SortCity:     `c.city COLLATE "sv-x-icu"`,
}

// likeEscape makes user input literal inside a LIKE pattern.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// customerWhere builds the WHERE clause from fixed fragments; values only ever travel as arguments. The
// search condition comes back apart from the filters, because the page query treats it specially.
func customerWhere(f domain.CustomerFilter, args *[]any) (search string, filters []string) {
	arg := func(v any) string {
		*args = append(*args, v)
		return fmt.Sprintf("$%d", len(*args))
	}
	var conds []string
	q := strings.ToLower(strings.TrimSpace(f.Q))
	digits, numeric := searchDigits(q)
	switch {
	case q == "":
	case numeric && len(digits) >= 3:
		// A number: the customer number exactly, or the start of a phone or personal/organisation number.
		alts := []string{"c.phone_digits LIKE " + arg(digits+"%"), "c.id_digits LIKE " + arg(digits+"%")}
		if len(digits) == 8 || len(digits) == 12 { // a personnummer written with its century
			if strings.HasPrefix(digits, "19") || strings.HasPrefix(digits, "20") {
				alts = append(alts, "c.id_digits LIKE "+arg(digits[2:]+"%"))
			}
		}
		if len(digits) <= 18 {
			if n, err := strconv.ParseInt(digits, 10, 64); err == nil {
				alts = append(alts, "c.number = "+arg(n))
			}
		}
		search = "(" + strings.Join(alts, " OR ") + ")"
	case len([]rune(q)) < 3:
		// Too short for trigrams: a name prefix, served by customers_name_prefix.
		search = "lower(c.name) LIKE " + arg(likeEscape(q)+"%")
	default:
		search = "c.search_text LIKE " + arg("%"+likeEscape(q)+"%")
	}
	conds = append(conds, segmentWhere(domain.Segment{Kind: f.Kind, City: strings.TrimSpace(f.City), Consent: f.Consent,
		CreatedFrom: f.CreatedFrom, CreatedTo: f.CreatedTo, ActiveFrom: f.ActiveFrom, ActiveTo: f.ActiveTo,
		ShowRestricted: f.ShowRestricted}, args)...)
	return search, conds
}

// searchDigits returns the digits of q and whether q is a number as people type them (digits with
// spaces, dashes, plus signs and parentheses).
func searchDigits(q string) (string, bool) {
	digits, only := domain.Digits(q, " -+()")
	if !only {
		return "", false
	}
	if strings.HasPrefix(strings.TrimSpace(q), "+46") {
		digits = "0" + strings.TrimPrefix(digits, "46")
	}
	return digits, digits != ""
}

func and(conds ...string) string {
	var nonEmpty []string
	for _, c := range conds {
		if c != "" {
			nonEmpty = append(nonEmpty, c)
		}
	}
	if len(nonEmpty) == 0 {
		return "TRUE"
	}
	return strings.Join(nonEmpty, " AND ")
}

// Search strategy bounds (see CustomerPage).
const (
	fewMatches   = 200   // collect and sort
	walkWindow   = 20000 // sort-index entries a search looks through before collecting instead
	collectLimit = 20000 // most matches collected and sorted before walking the whole order instead
)

// CustomerPage returns one page of the register with keyset pagination: After/Before/Last move from a row
// id, so the last page of a million rows costs what the first does.
//
// A search picks its plan from the number of matches (the count shown anyway): few matches are collected
// through the trigram index and sorted; otherwise it walks the sort index, testing each entry from the
// index alone, which is quick when matches are spread through the order. When they are not (every "Åsa"
// sorts last), the walk gives up after walkWindow entries and up to collectLimit matches are collected
// instead. Only a search with more matches than that, all sorting late, still walks far.
func CustomerPage(ctx context.Context, q Querier, f domain.CustomerFilter) (domain.CustomerPage, error) {
	expr, ok := sortExprs[f.Sort]
	if !ok {
		expr = sortExprs[domain.SortName]
	}
	pq := pageQuery{expr: expr}
	pq.search, pq.filters = customerWhere(f, &pq.args)
	pq.where = and(append([]string{pq.search}, pq.filters...)...)
	page, err := customerCount(ctx, q, pq.where, pq.args)
	if err != nil {
		return domain.CustomerPage{}, err
	}
	// backwards: fetch in reverse order (for Before and Last), then flip.
	backwards := f.Before != 0 || (f.Last && f.After == 0)
	pq.order(f, backwards)
	list, err := pq.rows(ctx, q, f, page)
	if err != nil {
		return domain.CustomerPage{}, err
	}
	page.Rows, page.HasPrev, page.HasNext = pageEnds(list, f.Limit, int64(f.After), int64(f.Before), backwards)
	return page, nil
}

// customerCount counts the matches up to domain.TotalCap.
func customerCount(ctx context.Context, q Querier, where string, args []any) (domain.CustomerPage, error) {
	var page domain.CustomerPage
	err := q.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM (SELECT 1 FROM customers c WHERE %s LIMIT %d) s`,
		where, domain.TotalCap+1), args...).Scan(&page.Total)
	if err != nil {
		return domain.CustomerPage{}, mapErr(err, "customer count")
	}
	if page.Total > domain.TotalCap {
		page.Total, page.Capped = domain.TotalCap, true
	}
	return page, nil
}

// pageQuery is a page of the register being planned: its conditions (values in args), and once ordered
// its keyset condition, ORDER BY and the argument number of its LIMIT.
type pageQuery struct {
	expr, search, where string
	filters             []string
	args                []any
	keyset, sort        string
	limit               int
}

// order sets the direction, the cursor's keyset condition and the limit of a page of f.
func (pq *pageQuery) order(f domain.CustomerFilter, backwards bool) {
	dir, cmp := "ASC", ">"
	if f.Desc != backwards {
		dir, cmp = "DESC", "<"
	}
	if cursor := max(f.After, f.Before); cursor != 0 && !(f.Last && f.After == 0) {
		pq.args = append(pq.args, cursor)
		n := len(pq.args)
		pq.keyset = fmt.Sprintf("(%s, c.id) %s ((SELECT %s FROM customers c WHERE c.id = $%d), $%d)", pq.expr, cmp, pq.expr, n, n)
	}
	pq.args = append(pq.args, f.Limit+1)
	pq.limit = len(pq.args)
	pq.sort = fmt.Sprintf("%s %s, c.id %s", pq.expr, dir, dir)
}

// collect finds every match through the search's index and sorts them.
func (pq *pageQuery) collect() string {
	return collectSorted(pq.expr, and(pq.where, pq.keyset), pq.sort, pq.limit, 0)
}

// collectSorted collects the matches of where (at most most of them, unless 0) with their sort keys and
// sorts those, so only the page's rows are read whole; the SQL's last column is the number collected.
func collectSorted(expr, where, order string, limit, most int) string {
	bound := ""
	if most > 0 {
		bound = fmt.Sprintf(" LIMIT %d", most)
	}
	return fmt.Sprintf(`WITH m AS MATERIALIZED (SELECT c.id, %s AS sort_key FROM customers c WHERE %s%s)
		SELECT %s, (SELECT count(*) FROM m) FROM customers c WHERE c.id IN (
			SELECT m.id FROM m ORDER BY %s LIMIT $%d)
		ORDER BY %s`, expr, where, bound, customerColumns, strings.Replace(strings.Replace(order, expr, "m.sort_key", 1), ", c.id ", ", m.id ", 1),
		limit, order)
}

// walk goes along the sort index, testing each entry.
func (pq *pageQuery) walk() string {
	return fmt.Sprintf(`SELECT %s FROM customers c WHERE c.id IN (
			SELECT c.id FROM customers c WHERE %s ORDER BY %s LIMIT $%d)
		ORDER BY %s`, customerColumns, and(pq.where, pq.keyset), pq.sort, pq.limit, pq.sort)
}

// rows runs the plan the search calls for (see CustomerPage), page holding the count.
func (pq *pageQuery) rows(ctx context.Context, q Querier, f domain.CustomerFilter, page domain.CustomerPage) ([]domain.Customer, error) {
	switch {
	case pq.search == "":
		return customerRows(ctx, q, pq.walk(), pq.args)
	case page.Total <= fewMatches:
		list, _, err := collectedRows(ctx, q, pq.collect(), pq.args)
		return list, err
	}
	cols := "c.name, c.search_text" // in the name index, so the walk reads no table rows
	if digits, numeric := searchDigits(strings.ToLower(strings.TrimSpace(f.Q))); numeric && len(digits) >= 3 {
		cols = "c.number, c.phone_digits, c.id_digits"
	}
	list, err := customerRows(ctx, q, windowWalk(pq.expr, cols, pq.search, pq.filters, pq.keyset, pq.sort, pq.limit), pq.args)
	switch {
	case err != nil || len(list) > f.Limit:
		return list, err
	case !page.Capped:
		list, _, err := collectedRows(ctx, q, pq.collect(), pq.args)
		return list, err
	}
	list, complete, err := boundedCollect(ctx, q, pq.expr, pq.where, pq.keyset, pq.sort, pq.limit, pq.args)
	if err == nil && !complete {
		return customerRows(ctx, q, pq.walk(), pq.args)
	}
	return list, err
}

// windowWalk looks for a page of search matches among the next walkWindow entries of the sort order
// (after the filters and the cursor), testing the search on the index entries alone.
func windowWalk(expr, cols, search string, filters []string, keyset, order string, limit int) string {
	return fmt.Sprintf(`SELECT %s FROM customers c WHERE c.id IN (
			SELECT c.id FROM (SELECT c.id, %s, %s AS sort_key FROM customers c
				WHERE %s ORDER BY %s LIMIT %d) c
			WHERE %s ORDER BY %s LIMIT $%d)
		ORDER BY %s`, customerColumns, cols, expr, and(append(filters, keyset)...), order, walkWindow,
		search, strings.Replace(order, expr, "c.sort_key", 1), limit, order)
}

// boundedCollect collects up to collectLimit matches beyond the cursor and sorts them; complete is false
// when there were more, and the page may then be wrong. (No rows means no matches beyond the cursor.)
func boundedCollect(ctx context.Context, q Querier, expr, where, keyset, order string, limit int, args []any) ([]domain.Customer, bool, error) {
	list, matches, err := collectedRows(ctx, q, collectSorted(expr, and(where, keyset), order, limit, collectLimit+1), args)
	return list, matches <= collectLimit, err
}

// collectedRows runs a collectSorted query: the page and the number of matches collected.
func collectedRows(ctx context.Context, q Querier, sql string, args []any) ([]domain.Customer, int, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, 0, mapErr(err, "customer page")
	}
	var matches int
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Customer, error) { return scanCustomer(r, &matches) })
	return list, matches, mapErr(err, "customer page")
}

func customerRows(ctx context.Context, q Querier, sql string, args []any) ([]domain.Customer, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, mapErr(err, "customer page")
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Customer, error) { return scanCustomer(r) })
	return list, mapErr(err, "customer page")
}
