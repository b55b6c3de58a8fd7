package server

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/templates/components"
	"github.com/affar/affar/templates/crm"
)

// BulkJobs is what the server needs of bulk erasure.
type BulkJobs interface {
	Draft(ctx context.Context, s domain.Segment, filter map[string]string, ids []domain.CustomerID) (domain.BulkJob, error)
	Job(ctx context.Context, id int64) (domain.BulkJob, domain.BulkPreview, []domain.BulkFailure, error)
	Jobs(ctx context.Context) ([]domain.BulkJob, error)
	Selection(ctx context.Context, id int64, after domain.CustomerID) ([]domain.Customer, bool, error)
	Confirm(ctx context.Context, id int64, in gdpr.ConfirmInput) error
	Cancel(ctx context.Context, id int64) error
}

var quoteStatuses = domain.QuoteStatuses

// parseSegment reads the CRM filter (a query string or the bulk form): what was typed, for showing
// again, and the segment; a bad date is reported beside its field and ignored.
func parseSegment(v url.Values) (domain.Segment, map[string]string, map[string]string) {
	typed := map[string]string{}
	for _, k := range domain.SegmentKeys {
		if val := searchable(v.Get(k)); val != "" {
			typed[k] = val
		}
	}
	return domain.ParseSegment(typed)
}

func crmURL(filter map[string]string, set map[string]string) string {
	v := url.Values{}
	for k, val := range filter {
		v.Set(k, val)
	}
	for k, val := range set {
		if val == "" {
			v.Del(k)
		} else {
			v.Set(k, val)
		}
	}
	if len(v) == 0 {
		return "/crm"
	}
	return "/crm?" + v.Encode()
}

// crmView is how the CRM screen is shown beside its filter: order, rows per page, recent quotes' status.
type crmView struct {
	filter map[string]string // the segment as typed
	sort   domain.SegmentSort
	desc   bool
	size   int
	status string // of the recent quotes, "" for all
}

func readCRMView(q url.Values, typed map[string]string) crmView {
	v := crmView{filter: typed, sort: domain.SegmentSort(q.Get("sort")), desc: q.Get("dir") == "desc",
		size: pageSizeParam(q), status: q.Get("qs")}
	if !slices.Contains(domain.SegmentSorts, v.sort) {
		v.sort = domain.SegmentByNumber
	}
	if !slices.Contains(quoteStatuses, v.status) {
		v.status = ""
	}
	return v
}

// state is the view's settings as URL parameters (none for the defaults).
func (v crmView) state() map[string]string {
	m := map[string]string{}
	if v.status != "" {
		m["qs"] = v.status
	}
	if v.sort != domain.SegmentByNumber {
		m["sort"] = string(v.sort)
	}
	if v.desc {
		m["dir"] = "desc"
	}
	if v.size != domain.DefaultPageSize {
		m["size"] = strconv.Itoa(v.size)
	}
	return m
}

// url is the screen in this view (from its first page) with the changes in set.
func (v crmView) url(set map[string]string) string {
	m := v.state()
	maps.Copy(m, set)
	return crmURL(v.filter, m)
}

func (s *Server) crmPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	seg, typed, errs := parseSegment(q)
	cv := readCRMView(q, typed)
	after := domain.CustomerID(cursorParam(q, "after"))
	ticks := s.ticks(ctx)
	page, err := s.Customers.Segment(ctx, domain.SegmentQuery{Segment: seg, Sort: cv.sort, Desc: cv.desc, After: after,
		Limit: cv.size, Ticked: ticks})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	recent, err := s.Quotes.Recent(ctx, seg, domain.QuoteStatus(cv.status))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, _ := authz.ActorFrom(ctx)
	v := crm.View{Nav: navFor(r), Flash: s.flash(r), Filter: typed, Errors: errs, Total: page.Total,
		CanBulk:   a.Can(authz.CustomerBulkErase) && (a.Can(authz.CustomerDelete) || a.Can(authz.CustomerAnonymise)),
		CanLabels: a.Can(authz.CustomerPrintLabels), CanEmails: a.Can(authz.CustomerExportEmail), CanRegister: a.Can(authz.CustomerExport),
		QuoteStatus: cv.status, QuoteStatuses: quoteStatuses, Keep: cv.state(), Back: r.URL.RequestURI(),
		Ticks: crm.TicksView{N: len(ticks), InSegment: page.Ticked}}
	if v.Total > 0 && (v.CanLabels || v.CanEmails) { // say who the marketing exports leave out
		if v.Objected, err = s.Exports.Objected(ctx, seg); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	for _, c := range page.Rows {
		v.Rows = append(v.Rows, crm.Row{ID: int64(c.ID), Number: c.Number, Name: displayName(ctx, c),
			KindKey: "customer.kind." + string(c.Kind), City: c.City, Anonymised: c.AnonymisedAt != nil, Restricted: c.Restricted(),
			LastActivity: c.LastActivityAt.In(domain.Stockholm).Format(domain.DateLayout), Ticked: slices.Contains(ticks, c.ID)})
	}
	crmPaging(&v, cv, page, after, positionParam(q))
	for _, sq := range recent {
		name := shownName(ctx, sq.CustomerNumber, sq.CustomerName, sq.Anonymised)
		v.Quotes = append(v.Quotes, crm.QuoteRow{ID: int64(sq.Quote.ID), CustomerID: int64(sq.Quote.CustomerID),
			Number: sq.Quote.Number, CustomerNumber: sq.CustomerNumber, Customer: name, Date: sq.Quote.QuoteDate.Format(domain.DateLayout),
			StatusKey: "quote.status." + string(sq.Quote.Status), Total: domain.FormatKronor(sq.Quote.Totals.TotalOre)})
	}
	s.renderPage(w, r, http.StatusOK, crm.Page(v))
}

// segmentColumns are the CRM table's sortable columns with their headings.
var segmentColumns = map[domain.SegmentSort]string{domain.SegmentByNumber: "customer.number", domain.SegmentByName: "customer.name",
	domain.SegmentByKind: "customer.kind", domain.SegmentByCity: "customer.city", domain.SegmentByActivity: "customer.last_activity"}

// crmPaging puts the CRM table's headings, "Visar 1–50 av 302", rows per page, pager and empty state into
// v: page of view cv starts after customer after, at position at.
func crmPaging(v *crm.View, cv crmView, page domain.SegmentPage, after domain.CustomerID, at int) {
	for _, col := range domain.SegmentSorts {
		active, dir := cv.sort == col, ""
		if active && !cv.desc {
			dir = "desc"
		}
		v.Sorts = append(v.Sorts, components.SortLink{Key: segmentColumns[col], Active: active, Desc: active && cv.desc,
			URL: cv.url(map[string]string{"sort": string(col), "dir": dir})})
	}
	if after == 0 {
		at = 1
	}
	if n := len(page.Rows); n > 0 {
		v.Showing = showing(at, n, page.Total, false, !page.More)
	}
	v.Sizes = pageSizes(cv.size, cv.url)
	if page.More {
		v.NextURL = cv.url(map[string]string{"after": strconv.FormatInt(int64(page.Rows[len(page.Rows)-1].ID), 10),
			"at": strconv.Itoa(at + len(page.Rows))})
	}
	if after != 0 {
		v.FirstURL = cv.url(nil)
	}
	if len(cv.filter) > 0 {
		v.EmptyActions = []components.Action{{Key: "list.clear_filter", URL: "/crm"}}
	}
}

// bulkDraft freezes the selection (all of the segment, or the ticked rows) and shows its preview.
func (s *Server) bulkDraft(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	seg, typed, errs := parseSegment(r.PostForm)
	if len(errs) > 0 {
		redirect(w, r, crmURL(typed, nil))
		return
	}
	ids, ok := s.selection(w, r, typed)
	if !ok {
		return
	}
	j, err := s.Bulk.Draft(r.Context(), seg, typed, ids)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	redirect(w, r, bulkURL(j.ID))
}

// selection reads what a CRM form acts on: nil for "all of the segment", else the ticked customers, of
// this page (as the form says) and of the others (as the session keeps them). With nothing ticked it sends
// the user back to the screen and reports false.
func (s *Server) selection(w http.ResponseWriter, r *http.Request, typed map[string]string) ([]domain.CustomerID, bool) {
	ids, _ := s.applyTicks(r.Context(), r.PostForm)
	if r.PostForm.Get("all") == "yes" {
		return nil, true
	}
	if len(ids) == 0 {
		s.Sessions.Put(r.Context(), sessionFlash, "bulk.nothing_selected")
		redirect(w, r, crmURL(typed, nil))
		return nil, false
	}
	return ids, true
}

// optionKeys are the message id prefixes of the segment's choices, whose values are shown translated.
var optionKeys = map[string]string{"kind": "customer.kind.", "consent": "crm.consent.", "anonymised": "crm.anonymised.",
	"quotes": "crm.quotes.", "quote_status": "quote.status."}

// filterItems summarises a job's segment for its pages, in the reader's language.
func filterItems(ctx context.Context, f map[string]string) []string {
	var out []string
	for _, k := range domain.SegmentKeys {
		v := f[k]
		if v == "" {
			continue
		}
		if prefix, ok := optionKeys[k]; ok {
			v = i18n.T(ctx, prefix+v)
		}
		out = append(out, i18n.T(ctx, "crm.filter."+k)+": "+v)
	}
	return out
}

func (s *Server) bulkJob(w http.ResponseWriter, r *http.Request) {
	id, err := pathID[int64](r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderBulkJob(w, r, id, http.StatusOK, gdpr.ConfirmInput{}, nil, false)
}

func (s *Server) bulkProgress(w http.ResponseWriter, r *http.Request) {
	id, err := pathID[int64](r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderBulkJob(w, r, id, http.StatusOK, gdpr.ConfirmInput{}, nil, true)
}

// htmxStopPolling is the status that tells htmx to stop polling (it still swaps the answer in).
const htmxStopPolling = 286

// holdDatesShown is how many release dates a preview lists before summing up the rest.
const holdDatesShown = 8

// renderBulkJob shows job id: a draft's preview (with what the user chose and typed, in, and what is
// wrong with it, errs), a confirmed job's page, or with fragment only its progress.
func (s *Server) renderBulkJob(w http.ResponseWriter, r *http.Request, id int64, status int, in gdpr.ConfirmInput,
	errs map[string]string, fragment bool) {
	j, p, fails, err := s.Bulk.Job(r.Context(), id)
	switch {
	case err != nil:
		s.fail(w, r, err)
	case j.Status == domain.BulkDraft && fragment:
		s.fail(w, r, fmt.Errorf("bulk job %d is a draft: %w", id, domain.ErrNotFound))
	case j.Status == domain.BulkDraft:
		v := previewView(r, j, p, in, errs)
		if err := s.previewSelection(r, &v); err != nil {
			s.fail(w, r, err)
			return
		}
		s.renderPage(w, r, status, crm.PreviewPage(v))
	case fragment: // the poll leaves the flash to the page it was meant for
		v, code := s.jobView(r, j, fails), http.StatusOK
		if !v.Running {
			code = htmxStopPolling
		}
		s.renderPage(w, r, code, crm.ProgressBody(v))
	default:
		v := s.jobView(r, j, fails)
		// The job page's flashes (started, asked to stop) are about a job under way: a job already over when
		// its page opens (a small one finishes before the redirect is followed) drops it.
		if v.Flash = s.flash(r); !v.Running {
			v.Flash = nil
		}
		s.renderPage(w, r, status, crm.JobPage(v))
	}
}

// previewSelection puts the page of draft v's frozen selection the request asks for (after a customer id,
// never a name, in the URL) into v.
func (s *Server) previewSelection(r *http.Request, v *crm.PreviewView) error {
	after := cursorParam(r.URL.Query(), "after")
	rows, more, err := s.Bulk.Selection(r.Context(), v.ID, domain.CustomerID(after))
	if err != nil {
		return err
	}
	for _, c := range rows {
		v.Selection = append(v.Selection, crm.SelectedRow{Number: c.Number, Name: displayName(r.Context(), c)})
	}
	base := bulkURL(v.ID)
	next, first := "", ""
	if more {
		next = base + "?after=" + strconv.FormatInt(int64(rows[len(rows)-1].ID), 10) + "#selection"
	}
	if after > 0 {
		first = base + "#selection"
	}
	v.SelectionPages = components.ListPages(first, "", next, "")
	return nil
}

// previewView is the preview p of draft job j, with what the user chose and typed (in) and what is
// wrong with it (errs).
func previewView(r *http.Request, j domain.BulkJob, p domain.BulkPreview, in gdpr.ConfirmInput, errs map[string]string) crm.PreviewView {
	a, _ := authz.ActorFrom(r.Context())
	v := crm.PreviewView{Nav: navFor(r), ID: j.ID, Filter: filterItems(r.Context(), j.Filter), Total: p.Total,
		Anonymised: p.Anonymised, UnderRetention: p.UnderRetention, HeldQuotes: p.HeldQuotes,
		CanAnonymise: a.Can(authz.CustomerAnonymise), CanDelete: a.Can(authz.CustomerDelete),
		NeedCount: p.Total > gdpr.ConfirmCountAbove, OnRetention: in.OnRetention,
		Reason: in.Reason, Count: in.Count, Errors: errs, Notice: errs["selection"]}
	for i, h := range p.Holds {
		if i == holdDatesShown {
			v.MoreHoldDates = len(p.Holds) - i
			break
		}
		v.Holds = append(v.Holds, crm.HoldRow{HeldThrough: heldThrough(h.Until), Until: h.Until.Format(domain.DateLayout), Quotes: h.Quotes})
	}
	return v
}

// jobView is confirmed job j: its progress, or its report with its failures once it is over.
func (s *Server) jobView(r *http.Request, j domain.BulkJob, fails []domain.BulkFailure) crm.JobView {
	ctx := r.Context()
	v := crm.JobView{Nav: navFor(r), ID: j.ID, KindKey: "bulk.kind." + string(j.Kind),
		StatusKey: "bulk.status." + string(j.Status), Running: j.Status.Open(),
		Filter: filterItems(ctx, j.Filter), By: j.RequestedName, Reason: j.Reason, Total: j.Total, Processed: j.Processed,
		Verified: j.VerifiedAt != nil, ErasureID: j.ErasureID, Cancelling: j.CancelRequested}
	if j.Violations != nil {
		v.Violations = *j.Violations
	}
	if j.StartedAt != nil {
		v.Started = localMinute(*j.StartedAt)
	}
	if j.FinishedAt != nil {
		v.Finished = localMinute(*j.FinishedAt)
	}
	if j.RetryError != nil && j.RetryAt != nil && v.Running {
		v.Retry = i18n.N(ctx, "bulk.retry.notice", j.RetryAttempt, localMinute(*j.RetryAt), i18n.T(ctx, *j.RetryError))
	}
	if a, _ := authz.ActorFrom(ctx); !a.Can(authz.AuditView) {
		v.ErasureID = 0 // the register is for those who may read the audit log
	}
	v.CanCancel = v.Running && !j.CancelRequested
	if j.Total > 0 {
		v.Percent = int(math.Floor(100 * float64(j.Processed) / float64(j.Total)))
	}
	s.jobRate(&v, j)
	for _, k := range domain.BulkOutcomes {
		if n := j.Outcomes[k]; n > 0 {
			v.Outcomes = append(v.Outcomes, crm.Outcome{Key: "bulk.outcome." + k, N: n})
		}
	}
	if rest := j.Total - j.Processed; rest > 0 && !v.Running {
		v.Outcomes = append(v.Outcomes, crm.Outcome{Key: "bulk.outcome.not_processed", N: rest})
	}
	for _, f := range fails {
		v.Failures = append(v.Failures, crm.Failure{Number: f.CustomerNumber, ErrorKey: f.Error})
	}
	return v
}

// jobRate sets v's rate, customers per second since job j started (until it finished), and while it
// runs the time it will take at that rate.
func (s *Server) jobRate(v *crm.JobView, j domain.BulkJob) {
	if j.StartedAt == nil || j.Processed == 0 {
		return
	}
	end := s.Now()
	if j.FinishedAt != nil {
		end = *j.FinishedAt
	}
	secs := end.Sub(*j.StartedAt).Seconds()
	if secs <= 0 {
		return
	}
	rate := float64(j.Processed) / secs
	v.Rate, v.HasRate = int(math.Round(rate)), true
	if v.Running && rate > 0 {
		v.ETA = (time.Duration(float64(j.Total-j.Processed)/rate) * time.Second).Round(time.Second).String()
	}
}

func (s *Server) bulkConfirm(w http.ResponseWriter, r *http.Request) {
	id, ok := idForm[int64](s, w, r)
	if !ok {
		return
	}
	f := r.PostForm
	in := gdpr.ConfirmInput{Kind: domain.ErasureKind(f.Get("kind")), OnRetention: domain.RetentionChoice(f.Get("retained")),
		Reason: f.Get("reason"), Count: f.Get("count")}
	err := s.Bulk.Confirm(r.Context(), id, in)
	var (
		fe      domain.FieldErrors
		changed *gdpr.SelectionChanged
	)
	switch {
	case errors.As(err, &fe):
		if named := (*gdpr.ReasonNames)(nil); errors.As(err, &named) { // the message names the customer
			fe = maps.Clone(fe)
			fe["reason"] = i18n.Tf(r.Context(), fe["reason"], strconv.FormatInt(named.Customer, 10))
		}
		s.renderBulkJob(w, r, id, http.StatusUnprocessableEntity, in, fe, false)
		return
	case errors.As(err, &changed):
		in.Count = "" // the number changed: it must be typed again
		s.renderBulkJob(w, r, id, http.StatusConflict, in, map[string]string{
			"selection": i18n.N(r.Context(), "bulk.selection_changed", changed.Removed)}, false)
		return
	}
	s.done(w, r, err, "bulk.started", bulkURL(id))
}

func (s *Server) bulkCancel(w http.ResponseWriter, r *http.Request) {
	id, err := pathID[int64](r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, s.Bulk.Cancel(r.Context(), id), "bulk.cancel_requested", bulkURL(id))
}

func (s *Server) bulkJobs(w http.ResponseWriter, r *http.Request) {
	jobs, err := s.Bulk.Jobs(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, _ := authz.ActorFrom(r.Context())
	v := crm.JobsView{Nav: navFor(r), All: a.IsAdmin}
	for _, j := range jobs {
		v.Rows = append(v.Rows, crm.JobsRow{ID: j.ID, Created: localMinute(j.CreatedAt),
			KindKey: "bulk.kind." + string(j.Kind), StatusKey: "bulk.status." + string(j.Status), By: j.RequestedName,
			Total: j.Total, Processed: j.Processed})
	}
	s.renderPage(w, r, http.StatusOK, crm.JobsPage(v))
}
