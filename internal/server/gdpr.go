package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/request"
	gdprpages "github.com/affar/affar/templates/gdpr"
)

func holdRows(hs []domain.Hold) []gdprpages.Hold {
	out := make([]gdprpages.Hold, len(hs))
	for i, h := range hs {
		out[i] = gdprpages.Hold{QuoteID: int64(h.QuoteID), QuoteNumber: h.QuoteNumber, HeldThrough: heldThrough(h.Until),
			Until: h.Until.Format(domain.DateLayout), Quotes: h.Quotes}
		if !h.Decided.IsZero() {
			out[i].Decided = h.Decided.Format(domain.DateLayout)
		}
	}
	return out
}

// countRows lists an erasure's counts; credit reports only for viewers who may know they exist.
func countRows(ctx context.Context, counts map[string]int, skipZero bool) []gdprpages.Count {
	var out []gdprpages.Count
	for _, k := range visibleCounts(ctx) {
		n, ok := counts[k]
		if !ok || (skipZero && n == 0) {
			continue
		}
		out = append(out, gdprpages.Count{Key: "erasure.count." + k, N: n})
	}
	return out
}

// erasureConfirm shows the confirmation page of deleting or anonymising a customer.
func (s *Server) erasureConfirm(kind domain.ErasureKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := customerID(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.renderErasure(w, r, id, kind, http.StatusOK, erasureForm{in: gdpr.Input{Request: requestParam(r.URL.Query())}})
	}
}

// requestParam is the number of the data subject's request a flow was started from (not personal data),
// or "" when the number is not one.
func requestParam(q url.Values) string {
	n := strings.TrimSpace(q.Get("request"))
	year, seq, ok := request.ParseNumber(n)
	if !ok {
		return ""
	}
	return domain.RequestNumber(year, seq)
}

// visibleCounts are the count keys the viewer may see: credit reports are counted only for users with
// credit-report access, as their existence is hidden from others (audit.Hidden).
func visibleCounts(ctx context.Context) []string {
	if a, ok := authz.ActorFrom(ctx); ok && a.Can(authz.CreditReportAccess) {
		return domain.ErasureCountKeys
	}
	var out []string
	for _, k := range domain.ErasureCountKeys {
		if k != "credit_reports" {
			out = append(out, k)
		}
	}
	return out
}

// erasureForm is the confirmation form as a failed POST shows it again: what was typed, the errors beside
// their fields and a notice for the whole page (a message id).
type erasureForm struct {
	in     gdpr.Input
	errs   domain.FieldErrors
	notice string
}

func (s *Server) renderErasure(w http.ResponseWriter, r *http.Request, id domain.CustomerID, kind domain.ErasureKind,
	status int, f erasureForm) {
	p, err := s.GDPR.Preview(r.Context(), id, kind)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, _ := authz.ActorFrom(r.Context())
	v := gdprpages.ConfirmView{Nav: navFor(r), Delete: kind == domain.EraseDelete, CustomerID: int64(id),
		Number: p.Customer.Number, Name: displayName(r.Context(), p.Customer), Counts: countRows(r.Context(), p.Counts, false),
		Holds: holdRows(p.Holds), Blocking: holdRows(p.Blocking),
		Already: kind == domain.EraseAnonymise && p.Already, CanAnonymise: a.Can(authz.CustomerAnonymise) && !p.Already,
		Reason: f.in.Reason, Confirm: f.in.Confirm, Errors: f.errs, NoticeKey: f.notice, Request: f.in.Request}
	if len(p.Blocking) > 0 && status == http.StatusOK {
		status = http.StatusConflict // the page explains why deleting is refused
	}
	s.renderPage(w, r, status, gdprpages.ConfirmPage(v))
}

// erasurePost deletes or anonymises a customer after the confirmation page.
func (s *Server) erasurePost(kind domain.ErasureKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := idForm[domain.CustomerID](s, w, r)
		if !ok {
			return
		}
		in := gdpr.Input{Reason: r.PostForm.Get("reason"), Confirm: r.PostForm.Get("confirm"), Request: requestParam(r.PostForm)}
		var (
			e   domain.Erasure
			err error
		)
		if kind == domain.EraseDelete {
			e, err = s.GDPR.Delete(r.Context(), id, in)
		} else {
			e, err = s.GDPR.Anonymise(r.Context(), id, in)
		}
		var (
			fe        domain.FieldErrors
			retention *gdpr.RetentionError
		)
		switch {
		case errors.As(err, &fe):
			s.renderErasure(w, r, id, kind, http.StatusUnprocessableEntity, erasureForm{in: in, errs: fe})
			return
		case errors.As(err, &retention), errors.Is(err, gdpr.AlreadyAnonymised):
			s.renderErasure(w, r, id, kind, http.StatusConflict, erasureForm{in: in})
			return
		case errors.Is(err, gdpr.ErrLedger): // failed closed: say so, and keep what was typed for a retry
			s.Log.Error("erasure refused: ledger", "request_id", RequestID(r.Context()), "err", err)
			s.renderErasure(w, r, id, kind, http.StatusServiceUnavailable, erasureForm{in: in, notice: "gdpr.ledger_unwritable"})
			return
		case err != nil:
			s.fail(w, r, err)
			return
		}
		s.erased(w, r, kind, id, e)
	}
}

// erased redirects after an erasure: back to the request it answered, else to the customer or the list.
func (s *Server) erased(w http.ResponseWriter, r *http.Request, kind domain.ErasureKind, id domain.CustomerID, e domain.Erasure) {
	flash := "gdpr.anonymised"
	if kind == domain.EraseDelete {
		flash = "gdpr.deleted"
	}
	s.Sessions.Put(r.Context(), sessionFlash, flash)
	switch {
	case e.RequestID != 0:
		redirect(w, r, requestURL(e.RequestID)+"#actions")
	case kind == domain.EraseDelete:
		redirect(w, r, "/customers")
	default:
		redirect(w, r, customerURL(id))
	}
}

// erasureCols are the erasure register's sortable columns; newest first unless chosen otherwise.
var erasureCols = []sortColumn{{"at", "erasures.col.at", true}, {"actor", "erasures.col.by", false},
	{"kind", "erasures.col.kind", false}, {"customer", "erasures.col.customer", false}}

func (s *Server) erasureRegister(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req, _ := listRequest(q, erasureCols, 0)
	page, err := s.Erasures.Page(r.Context(), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := gdprpages.RegisterView{Nav: navFor(r)}
	for _, e := range page.Rows {
		v.Rows = append(v.Rows, gdprpages.RegisterRow{ID: e.ID, At: localMinute(e.At),
			Actor: actorLabel(r.Context(), e), KindKey: "erasure.kind." + string(e.Kind), Customer: e.CustomerNumber, JobID: e.JobID,
			Counts: countRows(r.Context(), e.Counts, true), Holds: holdRows(e.Holds), Reason: e.Reason,
			Request: e.RequestNumber, RequestURL: linkRequest(r.Context(), e.RequestID)})
	}
	var first, last int64
	if n := len(page.Rows); n > 0 {
		first, last = page.Rows[0].ID, page.Rows[n-1].ID
	}
	urlFor := func(set map[string]string) string { return queryURL("/erasures", q, listKeep, set) }
	p := pageLinks(q, req, len(page.Rows), first, last, page.HasPrev, page.HasNext, page.Total, page.Capped, urlFor)
	v.Showing, v.Pager = p.Showing, p.pages()
	v.Sizes, v.Sorts = pageSizes(req.Limit, urlFor), sortLinks(erasureCols, req, urlFor)
	s.renderPage(w, r, http.StatusOK, gdprpages.RegisterPage(v))
}

// linkRequest is the page of request id for a viewer who may see the request register, else "".
func linkRequest(ctx context.Context, id int64) string {
	if a, ok := authz.ActorFrom(ctx); ok && id != 0 && a.Can(authz.PrivacyManage) {
		return requestURL(id)
	}
	return ""
}

func actorLabel(ctx context.Context, e domain.Erasure) string {
	if e.ActorID == nil {
		return i18n.T(ctx, "erasures.system")
	}
	return e.ActorName
}

// erasureColumns are the erasure register's columns as CSV: the page's, with ids beside names and a
// column per count, in the reader's language like the register export.
func erasureColumns(ctx context.Context) []column[domain.Erasure] {
	kind := map[domain.ErasureKind]string{}
	for _, k := range []domain.ErasureKind{domain.EraseDelete, domain.EraseAnonymise} {
		kind[k] = i18n.T(ctx, "erasure.kind."+string(k))
	}
	// An entry of a bulk job has no customer number, a single erasure no job.
	unlessZero := func(n int64) any {
		if n == 0 {
			return ""
		}
		return n
	}
	cols := []column[domain.Erasure]{
		{heading: "erasures.col.entry", value: func(e *domain.Erasure) any { return e.ID }},
		// Swedish time, as on the page: the CSV is read beside it.
		{heading: "erasures.col.at", value: func(e *domain.Erasure) any { return localMinute(e.At) }},
		{heading: "erasures.col.by_id", value: func(e *domain.Erasure) any {
			if e.ActorID == nil {
				return ""
			}
			return int64(*e.ActorID)
		}},
		{heading: "erasures.col.by", value: func(e *domain.Erasure) any { return actorLabel(ctx, *e) }},
		{heading: "erasures.col.kind", value: func(e *domain.Erasure) any { return kind[e.Kind] }},
		{heading: "erasures.col.customer", value: func(e *domain.Erasure) any { return unlessZero(e.CustomerNumber) }},
		{heading: "erasures.col.job", value: func(e *domain.Erasure) any { return unlessZero(e.JobID) }},
	}
	for _, k := range visibleCounts(ctx) {
		cols = append(cols, column[domain.Erasure]{heading: "erasure.count." + k,
			value: func(e *domain.Erasure) any { return int64(e.Counts[k]) }})
	}
	return append(cols,
		column[domain.Erasure]{heading: "erasures.col.holds", value: func(e *domain.Erasure) any {
			holds := holdRows(e.Holds)
			texts := make([]string, len(holds))
			for i, h := range holds {
				texts[i] = gdprpages.HoldText(ctx, h)
			}
			return strings.Join(texts, "; ")
		}},
		column[domain.Erasure]{heading: "erasures.col.reason", value: func(e *domain.Erasure) any { return e.Reason }},
		column[domain.Erasure]{heading: "erasures.col.request", value: func(e *domain.Erasure) any { return e.RequestNumber }})
}

// erasureCSV streams the whole register as CSV for an auditor, written like the register export.
func (s *Server) erasureCSV(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t := newCSVTable(ctx, w, "raderingsregister.csv", s.Now(), erasureColumns(ctx))
	err := s.Erasures.Walk(ctx, t.row)
	if err == nil {
		err = t.flush()
	}
	switch {
	case err != nil && !t.started():
		s.fail(w, r, err)
	case err != nil:
		s.cutShort(r, err)
	}
}
