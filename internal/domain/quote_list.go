package domain

import "time"

// QuoteSort is a column the quote list can be sorted by.
type QuoteSort string

// The quote list's sort columns.
const (
	QuoteSortNumber     QuoteSort = "number"
	QuoteSortCustomer   QuoteSort = "customer"
	QuoteSortDate       QuoteSort = "date"
	QuoteSortValidUntil QuoteSort = "valid_until"
	QuoteSortStatus     QuoteSort = "status"
	QuoteSortTotal      QuoteSort = "total"
)

// QuoteSorts are the quote list's columns in the order the list shows them.
var QuoteSorts = []QuoteSort{QuoteSortNumber, QuoteSortCustomer, QuoteSortDate, QuoteSortValidUntil, QuoteSortStatus, QuoteSortTotal}

// QuoteListPageSize is how many quotes one page of the quote list shows.
const QuoteListPageSize = 50

// QuoteFilter selects and orders the quote list: by status ("" for all), by quote date (from and to
// inclusive, nil for open), one page of it (Page from 0).
type QuoteFilter struct {
	Status   QuoteStatus
	From, To *time.Time
	Sort     QuoteSort
	Desc     bool
	Page     int
	// ShowRestricted lists the quotes of restricted customers too, marked (see Segment.ShowRestricted).
	ShowRestricted bool
}

// QuotePage is one page of the quote list and how many quotes the filter selects.
type QuotePage struct {
	Rows  []QuoteSummary
	Total int
}
