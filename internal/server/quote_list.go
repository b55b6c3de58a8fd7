package server

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/templates/components"
	"github.com/affar/affar/templates/quotes"
)

// quoteListKeys are the query parameters of the quote list that its links carry on.
var quoteListKeys = []string{"status", "from", "to", "sort", "dir"}

// parseQuoteFilter reads the quote list's query. A status it does not know is "all"; a bad date is
// reported beside its field and filters nothing, so the list is still shown.
func parseQuoteFilter(q url.Values) (domain.QuoteFilter, quotes.ListFilter) {
	view := quotes.ListFilter{Status: q.Get("status"), From: strings.TrimSpace(q.Get("from")),
		To: strings.TrimSpace(q.Get("to")), Errors: map[string]string{}}
	var f domain.QuoteFilter
	if slices.Contains(domain.QuoteStatuses, view.Status) {
		f.Status = domain.QuoteStatus(view.Status)
	} else {
		view.Status = ""
	}
	date := func(name, typed string) *time.Time {
		if typed == "" {
			return nil
		}
		t, err := time.Parse(domain.DateLayout, typed)
		if err != nil {
			view.Errors[name] = "error.date"
			return nil
		}
		return &t
	}
	f.From, f.To = date("from", view.From), date("to", view.To)
	if f.From != nil && f.To != nil && f.To.Before(*f.From) {
		view.Errors["to"] = "error.date_before"
		f.To = nil
	}
	f.Sort, f.Desc = domain.QuoteSort(q.Get("sort")), q.Get("dir") == "desc"
	if !slices.Contains(domain.QuoteSorts, f.Sort) { // newest first unless told otherwise
		f.Sort, f.Desc = domain.QuoteSortDate, q.Get("dir") != "asc"
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 && n <= 1_000_000 {
		f.Page = n - 1
	}
	return f, view
}

// quoteListURL is the quote list with the current filter and the given changes ("" removes a key).
func quoteListURL(q url.Values, set map[string]string) string {
	return queryURL("/quotes", q, quoteListKeys, set)
}

// quoteSortKeys are the headings of the quote list's columns.
var quoteSortKeys = map[domain.QuoteSort]string{domain.QuoteSortNumber: "quote.number", domain.QuoteSortCustomer: "quote.customer",
	domain.QuoteSortDate: "quote.date", domain.QuoteSortValidUntil: "quote.valid_until", domain.QuoteSortStatus: "quote.status",
	domain.QuoteSortTotal: "quote.total"}

func (s *Server) quoteList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	f, fv := parseQuoteFilter(q)
	page, err := s.Quotes.List(ctx, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := quotes.ListView{Nav: navFor(r), Filter: fv, Total: page.Total, Statuses: domain.QuoteStatuses,
		Pages: quotePages(q, f.Page, page.Total)}
	for _, sq := range page.Rows {
		v.Rows = append(v.Rows, quotes.ListRow{ID: int64(sq.Quote.ID), Number: sq.Quote.Number, CustomerID: int64(sq.Quote.CustomerID),
			CustomerName: shownName(ctx, sq.CustomerNumber, sq.CustomerName, sq.Anonymised), Anonymised: sq.Anonymised, Restricted: sq.Restricted,
			Date: sq.Quote.QuoteDate.Format(domain.DateLayout), ValidUntil: sq.Quote.ValidUntil.Format(domain.DateLayout),
			StatusKey: "quote.status." + string(sq.Quote.Status), Total: domain.FormatKronor(sq.Quote.Totals.TotalOre)})
	}
	for _, col := range domain.QuoteSorts {
		active := f.Sort == col
		dir := "asc" // a column sorts ascending first, the other way round when it already is
		if active && !f.Desc {
			dir = "desc"
		}
		v.Sorts = append(v.Sorts, components.SortLink{Key: quoteSortKeys[col], Active: active, Desc: active && f.Desc,
			URL: quoteListURL(q, map[string]string{"sort": string(col), "dir": dir, "page": ""})})
	}
	s.renderPage(w, r, http.StatusOK, quotes.ListPage(v))
}

// quotePages are the links to the list's other pages (page from 0).
func quotePages(q url.Values, page, total int) components.Pages {
	last := max(0, (total-1)/domain.QuoteListPageSize)
	at := func(n int) string {
		if n == 0 {
			return quoteListURL(q, nil)
		}
		return quoteListURL(q, map[string]string{"page": strconv.Itoa(n + 1)})
	}
	var first, prev, next, lastURL string
	if page > 0 {
		first, prev = at(0), at(min(page-1, last))
	}
	if page < last {
		next, lastURL = at(page+1), at(last)
	}
	p := components.ListPages(first, prev, next, lastURL)
	p.Fixed = true
	return p
}
