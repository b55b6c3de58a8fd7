package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

// SegmentPageSQL is the page query SegmentPage runs for sq, for tests that read its plan.
func SegmentPageSQL(sq domain.SegmentQuery) (string, []any) {
	var args []any
	where := and(segmentWhere(sq.Segment, &args)...)
	return segmentPageSQL(sq, where, args)
}

// EachList reads what CustomerSheetOf reads, each list by its own query (childList.sql), for tests that
// compare the two.
func EachList(ctx context.Context, q Querier, id domain.CustomerID) (CustomerSheet, error) {
	var s CustomerSheet
	c, err := Customer(ctx, q, id)
	s.Customer = c
	for _, read := range []func() error{
		func() (err error) { s.Contacts, err = queryList(ctx, q, contactList, id, scanContact); return err },
		func() (err error) { s.Consent, err = queryList(ctx, q, consentList, id, scanConsent); return err },
		func() (err error) {
			s.Objections, err = queryList(ctx, q, objectionList, id, scanObjection)
			return err
		},
		func() (err error) {
			s.CreditReports, err = queryList(ctx, q, creditReportList, id, scanCreditReport)
			return err
		},
		func() (err error) {
			s.Quotes, err = queryList(ctx, q, quoteList, id, func(r pgx.Row) (domain.Quote, error) { return scanQuote(r) })
			return err
		},
		func() (err error) { s.Rule, err = Retention(ctx, q); return err },
	} {
		if err == nil {
			err = read()
		}
	}
	return s, err
}

// NextSealsSQL is the sealer's read of pending events, for tests that read its plan.
const NextSealsSQL = nextSealsSQL
