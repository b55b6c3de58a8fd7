package postgres

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

const customerColumns = `c.id, c.number, c.kind, c.name, c.id_number, c.email, c.phone, c.street, c.postal_code,
	c.city, c.country, c.notes, c.marketing_consent, c.created_at, c.updated_at, c.last_activity_at, c.anonymised_at,
	c.version`

func scanCustomer(row pgx.Row, extra ...any) (domain.Customer, error) {
	var c domain.Customer
	err := row.Scan(append([]any{&c.ID, &c.Number, &c.Kind, &c.Name, &c.IDNumber, &c.Email, &c.Phone, &c.Street,
		&c.PostalCode, &c.City, &c.Country, &c.Notes, &c.Consent, &c.CreatedAt, &c.UpdatedAt, &c.LastActivityAt,
		&c.AnonymisedAt, &c.Version}, extra...)...)
	return c, err
}

// CreateCustomer inserts c and returns it with id and number assigned.
func CreateCustomer(ctx context.Context, q Querier, c domain.Customer, now time.Time) (domain.Customer, error) {
	out, err := scanCustomer(q.QueryRow(ctx, `INSERT INTO customers AS c (kind, name, id_number, email, phone, street,
		postal_code, city, country, notes, created_at, updated_at, last_activity_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $11) RETURNING `+customerColumns,
		c.Kind, c.Name, c.IDNumber, c.Email, c.Phone, c.Street, c.PostalCode, c.City, c.Country, c.Notes, now))
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
	_, err := q.Exec(ctx, `UPDATE customers SET kind = $2, name = $3, id_number = $4, email = $5, phone = $6,
		street = $7, postal_code = $8, city = $9, country = $10, notes = $11, updated_at = $12,
		last_activity_at = greatest(last_activity_at, $12), version = version + 1 WHERE id = $1`,
		c.ID, c.Kind, c.Name, c.IDNumber, c.Email, c.Phone, c.Street, c.PostalCode, c.City, c.Country, c.Notes, now)
	return mapErr(err, "update customer")
}

// sortExprs are the fixed ORDER BY expressions; each has an index ending in id (see migration 3).
var sortExprs = map[domain.CustomerSort]string{
	domain.SortName:     `c.name COLLATE "sv-x-icu"`,
	domain.SortNumber:   `c.number`,
	domain.SortCreated:  `c.created_at`,
	domain.SortActivity: `c.last_activity_at`,
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
		CreatedFrom: f.CreatedFrom, CreatedTo: f.CreatedTo, ActiveFrom: f.ActiveFrom, ActiveTo: f.ActiveTo}, args)...)
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
	var args []any
	search, filters := customerWhere(f, &args)
	where := and(append([]string{search}, filters...)...)

	page := domain.CustomerPage{}
	err := q.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM (SELECT 1 FROM customers c WHERE %s LIMIT %d) s`,
		where, domain.TotalCap+1), args...).Scan(&page.Total)
	if err != nil {
		return domain.CustomerPage{}, mapErr(err, "customer count")
	}
	if page.Total > domain.TotalCap {
		page.Total, page.Capped = domain.TotalCap, true
	}

	// backwards: fetch in reverse order (for Before and Last), then flip.
	backwards := f.Before != 0 || (f.Last && f.After == 0)
	desc := f.Desc != backwards
	dir, cmp := "ASC", ">"
	if desc {
		dir, cmp = "DESC", "<"
	}
	keyset := ""
	if cursor := max(f.After, f.Before); cursor != 0 && !(f.Last && f.After == 0) {
		args = append(args, cursor)
		n := len(args)
		keyset = fmt.Sprintf("(%s, c.id) %s ((SELECT %s FROM customers c WHERE c.id = $%d), $%d)", expr, cmp, expr, n, n)
	}
	args = append(args, f.Limit+1)
	limit := len(args)
	order := fmt.Sprintf("%s %s, c.id %s", expr, dir, dir)

	collect := fmt.Sprintf(`WITH m AS MATERIALIZED (SELECT c.id FROM customers c WHERE %s)
		SELECT %s FROM customers c JOIN m ON m.id = c.id WHERE %s ORDER BY %s LIMIT $%d`,
		where, customerColumns, and(keyset), order, limit)
	walk := fmt.Sprintf(`SELECT %s FROM customers c WHERE c.id IN (
			SELECT c.id FROM customers c WHERE %s ORDER BY %s LIMIT $%d)
		ORDER BY %s`, customerColumns, and(where, keyset), order, limit, order)

	var list []domain.Customer
	switch {
	case search == "":
		list, err = customerRows(ctx, q, walk, args)
	case page.Total <= fewMatches:
		list, err = customerRows(ctx, q, collect, args)
	default:
		cols := "c.name, c.search_text" // in the name index, so the walk reads no table rows
		if digits, numeric := searchDigits(strings.ToLower(strings.TrimSpace(f.Q))); numeric && len(digits) >= 3 {
			cols = "c.number, c.phone_digits, c.id_digits"
		}
		list, err = customerRows(ctx, q, windowWalk(expr, cols, search, filters, keyset, order, limit), args)
		switch {
		case err != nil || len(list) > f.Limit:
		case !page.Capped:
			list, err = customerRows(ctx, q, collect, args)
		default:
			var complete bool
			list, complete, err = boundedCollect(ctx, q, where, keyset, order, limit, args)
			if err == nil && !complete {
				list, err = customerRows(ctx, q, walk, args)
			}
		}
	}
	if err != nil {
		return domain.CustomerPage{}, err
	}
	more := len(list) > f.Limit
	if more {
		list = list[:f.Limit]
	}
	if backwards {
		slices.Reverse(list)
		page.HasPrev, page.HasNext = more, f.Before != 0
	} else {
		page.HasPrev, page.HasNext = f.After != 0, more
	}
	page.Rows = list
	return page, nil
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
func boundedCollect(ctx context.Context, q Querier, where, keyset, order string, limit int, args []any) ([]domain.Customer, bool, error) {
	sql := fmt.Sprintf(`WITH m AS MATERIALIZED (SELECT c.id FROM customers c WHERE %s LIMIT %d)
		SELECT %s, (SELECT count(*) FROM m) FROM customers c JOIN m ON m.id = c.id ORDER BY %s LIMIT $%d`,
		and(where, keyset), collectLimit+1, customerColumns, order, limit)
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, false, mapErr(err, "customer page")
	}
	var matches int
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Customer, error) { return scanCustomer(r, &matches) })
	if err != nil {
		return nil, false, mapErr(err, "customer page")
	}
	return list, matches <= collectLimit, nil
}

func customerRows(ctx context.Context, q Querier, sql string, args []any) ([]domain.Customer, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, mapErr(err, "customer page")
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Customer, error) { return scanCustomer(r) })
	return list, mapErr(err, "customer page")
}
