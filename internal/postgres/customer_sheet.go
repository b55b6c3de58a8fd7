package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

// childList is one of a customer's lists: its columns (in its scanner's order), its FROM, the column
// that names the customer and its order.
type childList struct{ columns, from, customer, order string }

// sql is the list of the customer $1.
func (l childList) sql() string {
	return `SELECT ` + l.columns + ` FROM ` + l.from + ` WHERE ` + l.customer + ` = $1 ORDER BY ` + l.order
}

// json is the list of customer c as one JSON array of rows, for a column of a query of customers c.
func (l childList) json() string {
	return `(SELECT coalesce(json_agg(json_build_array(` + l.columns + `) ORDER BY ` + l.order + `), '[]') FROM ` +
		l.from + ` WHERE ` + l.customer + ` = c.id)`
}

// queryList runs l for the customer id and scans its rows with scan.
func queryList[T any](ctx context.Context, q Querier, l childList, id domain.CustomerID, scan func(pgx.Row) (T, error)) ([]T, error) {
	rows, err := q.Query(ctx, l.sql(), id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
}

// CustomerSheet is what the customer page shows from the database.
type CustomerSheet struct {
	Customer      domain.Customer
	Contacts      []domain.Contact
	Consent       []domain.ConsentChange
	Objections    []domain.Objection
	CreditReports []domain.CreditReport // read only when asked for
	Quotes        []domain.Quote        // headers and totals, no lines
	Rule          domain.Retention
}

// CustomerSheetOf reads the customer page in one statement: the customer, each list as a JSON array of
// rows scanned by the list's own scanner, and the retention setting (scanRetention's row). A page view used to take eight
// statements and as many round trips.
func CustomerSheetOf(ctx context.Context, q Querier, id domain.CustomerID, withReports bool) (CustomerSheet, error) {
	var (
		s                                                   CustomerSheet
		contacts, consent, objections, reports, qts, retain []byte
	)
	c, err := scanCustomer(q.QueryRow(ctx, `SELECT `+customerColumns+`, `+contactList.json()+`, `+consentList.json()+`,
		`+objectionList.json()+`, CASE WHEN $2 THEN `+creditReportList.json()+` ELSE '[]' END, `+quoteList.json()+`,
		(SELECT json_build_array(retention_years, fiscal_year_end_month) FROM settings) FROM customers c WHERE c.id = $1`,
		id, withReports), &contacts, &consent, &objections, &reports, &qts, &retain)
	if err != nil {
		return CustomerSheet{}, mapErr(err, "customer")
	}
	s.Customer = c
	var rule jsonRow
	if err := json.Unmarshal(retain, &rule); err != nil {
		return CustomerSheet{}, fmt.Errorf("customer sheet: %w", err)
	}
	s.Rule, err = scanRetention(rule)
	return s, errors.Join(err, jsonRows(&s.Contacts, contacts, scanContact), jsonRows(&s.Consent, consent, scanConsent),
		jsonRows(&s.Objections, objections, scanObjection), jsonRows(&s.CreditReports, reports, scanCreditReport),
		jsonRows(&s.Quotes, qts, func(r pgx.Row) (domain.Quote, error) { return scanQuote(r) }))
}

// jsonRows scans a JSON array of rows (json_build_array each) with a row scanner into dst.
func jsonRows[T any](dst *[]T, raw []byte, scan func(pgx.Row) (T, error)) error {
	var rows []jsonRow
	if err := json.Unmarshal(raw, &rows); err != nil {
		return fmt.Errorf("customer sheet: %w", err)
	}
	*dst = make([]T, 0, len(rows))
	for _, r := range rows {
		v, err := scan(r)
		if err != nil {
			return fmt.Errorf("customer sheet: %w", err)
		}
		*dst = append(*dst, v)
	}
	return nil
}

// jsonRow is one row of a JSON array of rows, scanned as pgx scans a row: times as pgx gives them
// (a timestamp in the local zone, a date at midnight UTC), everything else by encoding/json.
type jsonRow []json.RawMessage

func (r jsonRow) Scan(dest ...any) error {
	if len(dest) != len(r) {
		return fmt.Errorf("a row of %d values scanned into %d", len(r), len(dest))
	}
	for i, d := range dest {
		var err error
		switch d := d.(type) {
		case *time.Time:
			*d, err = jsonTime(r[i])
		case **time.Time:
			*d = nil
			if string(r[i]) != "null" {
				t, terr := jsonTime(r[i])
				*d, err = &t, terr
			}
		default:
			err = json.Unmarshal(r[i], d)
		}
		if err != nil {
			return fmt.Errorf("value %d: %w", i+1, err)
		}
	}
	return nil
}

func jsonTime(raw json.RawMessage) (time.Time, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return time.Time{}, err
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.Local(), nil
	}
	return time.Parse(time.DateOnly, s)
}
