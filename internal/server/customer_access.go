package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/customer"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/templates/customers"
)

// accessRows are a log's events as its table shows them: repeated views folded into one row.
func accessRows(ctx context.Context, entries []audit.Entry) []customers.AccessRow {
	var out []customers.AccessRow
	for _, l := range audit.Fold(entries) {
		out = append(out, customers.AccessRow{At: span(l.First, l.Last), Actor: l.ActorName, ActionKey: "action." + l.Action,
			Details: detailsText(ctx, l.EntityType, l.Details), Times: l.Count})
	}
	return out
}

// span is when a row's events happened: one time, or first–last ("2026-12-01 10:02:11–10:03:40").
func span(first, last time.Time) string {
	if first.Equal(last) {
		return localSecond(first)
	}
	f, l := first.In(domain.Stockholm), last.In(domain.Stockholm)
	if f.YearDay() == l.YearDay() && f.Year() == l.Year() {
		return localSecond(first) + "–" + l.Format(time.TimeOnly)
	}
	return localSecond(first) + "–" + localSecond(last)
}

// accessDates reads the access log's date filter: from the start of the first day to the end of the
// last, in Swedish time; a bad date is reported beside its field and ignored.
func accessDates(q url.Values) (from, to time.Time, errs map[string]string) {
	errs = map[string]string{}
	day := func(name string) time.Time {
		if q.Get(name) == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation(domain.DateLayout, q.Get(name), domain.Stockholm)
		if err != nil {
			errs[name] = "error.date"
		}
		return t
	}
	from, to = day("from"), day("to")
	if !to.IsZero() {
		to = to.AddDate(0, 0, 1)
	}
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		errs["to"], to = "error.date_before", time.Time{}
	}
	return from, to, errs
}

// customerAccess is a customer's whole access log, paged and filtered by date.
func (s *Server) customerAccess(w http.ResponseWriter, r *http.Request) {
	id, err := pathID[domain.CustomerID](r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	from, to, errs := accessDates(q)
	page, err := s.Customers.AccessLog(r.Context(), id, customer.AccessQuery{From: from, To: to, Before: cursorParam(q, "before")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	base := customerURL(id) + "/access"
	number := strconv.FormatInt(page.Number, 10)
	v := customers.AccessView{Nav: navFor(r), Title: i18n.Tf(r.Context(), "customer.access_title", number),
		BackURL: customerURL(id), BackName: i18n.Tf(r.Context(), "customer.access_short", number),
		From: q.Get("from"), To: q.Get("to"), Errors: errs, Rows: accessRows(r.Context(), page.Entries),
		FilterURL: base, ClearURL: base}
	filter := url.Values{}
	for _, k := range []string{"from", "to"} {
		if q.Get(k) != "" && errs[k] == "" {
			filter.Set(k, q.Get(k))
		}
	}
	if q.Get("before") != "" {
		v.NewestURL = withQuery(base, filter)
	}
	if page.Older != 0 {
		older := url.Values{"before": {strconv.FormatInt(page.Older, 10)}}
		for k := range filter {
			older.Set(k, filter.Get(k))
		}
		v.OlderURL = withQuery(base, older)
	}
	s.renderPage(w, r, http.StatusOK, customers.AccessPage(v))
}

// withQuery is path with the query, if any.
func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}
