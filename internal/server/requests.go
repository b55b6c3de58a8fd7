package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/export"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/request"
	"github.com/affar/affar/templates/dashboard"
	"github.com/affar/affar/templates/requests"
)

// Requests is what the server needs of the register of data subjects' requests (request.Service).
type Requests interface {
	ID(ctx context.Context, number string) (int64, error)
	List(ctx context.Context, all, byNumber bool) ([]domain.SubjectRequest, time.Time, error)
	Get(ctx context.Context, id int64) (request.Detail, error)
	Register(ctx context.Context, in request.Input) (domain.SubjectRequest, error)
	Update(ctx context.Context, id int64, in request.Change) error
	Extend(ctx context.Context, id int64, in request.Extension) error
	Identify(ctx context.Context, id int64, in request.Identity) error
	LinkCustomer(ctx context.Context, id int64, number string) error
	NoData(ctx context.Context, id int64) error
	AddAction(ctx context.Context, id int64, in request.ActionInput) error
	RetentionDays(ctx context.Context) (int, error)
	SetRetentionDays(ctx context.Context, typed string) error
	LetterDraft(ctx context.Context, id int64, lang string) (request.Letter, error)
	SendLetter(ctx context.Context, id int64, in request.SendInput) (int64, error)
	StoredLetter(ctx context.Context, request, id int64) (domain.RequestLetter, error)
}

// RequestExports is what the server needs to export the register (export.Service).
type RequestExports interface {
	Requests(ctx context.Context, row func(domain.SubjectRequest) error) error
}

func requestURL(id int64) string { return "/requests/" + strconv.FormatInt(id, 10) }

// kindsText is a request's rights, named in the reader's language.
func kindsText(ctx context.Context, ks []domain.RequestKind) string {
	names := make([]string, len(ks))
	for i, k := range ks {
		names[i] = i18n.T(ctx, "requests.kind."+string(k))
	}
	return strings.Join(names, ", ")
}

// clockText is a request's clock on day today: days left or late, or its outcome once closed.
func clockText(ctx context.Context, q domain.SubjectRequest, today time.Time) (text string, late, soon bool) {
	c := q.Clock(today)
	if c == domain.ClockClosed {
		return i18n.N(ctx, "requests.days_taken", q.DaysTaken()), false, false
	}
	return request.DaysLeftText(ctx, q.DaysLeft(today)), c == domain.ClockOverdue, c == domain.ClockSoon
}

// requestClock is an open request on the start page; link says whether the reader may open it.
func requestClock(ctx context.Context, q domain.SubjectRequest, today time.Time, link bool) dashboard.Request {
	text, late, soon := clockText(ctx, q, today)
	d := dashboard.Request{Number: q.Number(), Due: q.Due().Format(domain.DateLayout), Clock: text, Late: late, Soon: soon}
	if link {
		d.URL = requestURL(q.ID)
	}
	return d
}

func (s *Server) requestList(w http.ResponseWriter, r *http.Request) {
	s.renderRequestList(w, r, http.StatusOK, "", nil)
}

// renderRequestList shows the register; typed and errs are a retention that came back with errors.
func (s *Server) renderRequestList(w http.ResponseWriter, r *http.Request, status int, typed string, errs domain.FieldErrors) {
	ctx := r.Context()
	all, byNumber := r.URL.Query().Get("show") == "all", r.URL.Query().Get("sort") == "number"
	rs, today, err := s.Requests.List(ctx, all, byNumber)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	days, err := s.Requests.RetentionDays(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := requests.ListView{Nav: navFor(r), Flash: s.flash(r), All: all, ByNumber: byNumber, Errors: errs,
		RetentionDays: strconv.Itoa(days), OtherShow: listQuery(!all, byNumber), OtherSort: listQuery(all, !byNumber)}
	if errs != nil {
		v.RetentionDays = typed
	}
	for _, q := range rs {
		text, late, soon := clockText(ctx, q, today)
		v.Rows = append(v.Rows, requests.Row{URL: requestURL(q.ID), Number: q.Number(), Kinds: kindsText(ctx, q.Kinds),
			Received: q.Received.Format(domain.DateLayout), Due: q.Due().Format(domain.DateLayout), Clock: text,
			Late: late, Soon: soon, StatusKey: "requests.status." + string(q.Status), Handler: q.HandlerName})
	}
	s.renderPage(w, r, status, requests.ListPage(v))
}

// listQuery is the list's URL with its two switches.
func listQuery(all, byNumber bool) string {
	q := url.Values{}
	if all {
		q.Set("show", "all")
	}
	if byNumber {
		q.Set("sort", "number")
	}
	if len(q) == 0 {
		return "/requests"
	}
	return "/requests?" + q.Encode()
}

func (s *Server) requestRetention(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	typed := r.PostForm.Get("retention_days")
	err := s.Requests.SetRetentionDays(r.Context(), typed)
	var fe domain.FieldErrors
	if errors.As(err, &fe) {
		s.renderRequestList(w, r, http.StatusUnprocessableEntity, typed, fe)
		return
	}
	s.done(w, r, err, "requests.retention.saved", "/requests")
}

func kindOptions() []requests.Option {
	var out []requests.Option
	for _, k := range domain.RequestKinds {
		out = append(out, requests.Option{Value: string(k), Label: "requests.kind." + string(k)})
	}
	return out
}

func chosen(values []string) map[string]bool {
	out := map[string]bool{}
	for _, v := range values {
		out[v] = true
	}
	return out
}

func (s *Server) newRequestView(r *http.Request, typed map[string]string, kinds []string, errs domain.FieldErrors) requests.FormView {
	v := requests.FormView{Nav: navFor(r), Typed: typed, Kinds: chosen(kinds), AllKinds: kindOptions(), Errors: errs}
	v.Channels = []requests.Option{{Value: "", Label: "requests.channel.choose"}}
	for _, c := range domain.RequestChannels {
		v.Channels = append(v.Channels, requests.Option{Value: string(c), Label: "requests.channel." + string(c)})
	}
	return v
}

func (s *Server) requestNew(w http.ResponseWriter, r *http.Request) {
	today := domain.CalendarDay(s.Now()).Format(domain.DateLayout)
	s.renderPage(w, r, http.StatusOK, requests.NewPage(s.newRequestView(r, map[string]string{"received": today}, nil, nil)))
}

func (s *Server) requestCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	in := request.Input{Kinds: f["kinds"], Received: f.Get("received"), Channel: f.Get("channel"), Name: f.Get("requester_name"),
		Address: f.Get("requester_address"), Email: f.Get("requester_email"), Notes: f.Get("notes")}
	q, err := s.Requests.Register(r.Context(), in)
	var fe domain.FieldErrors
	if errors.As(err, &fe) {
		typed := map[string]string{}
		for _, k := range []string{"received", "channel", "requester_name", "requester_address", "requester_email", "notes"} {
			typed[k] = f.Get(k)
		}
		s.renderPage(w, r, http.StatusUnprocessableEntity, requests.NewPage(s.newRequestView(r, typed, in.Kinds, fe)))
		return
	}
	s.done(w, r, err, "requests.registered", requestURL(q.ID))
}

func (s *Server) requestShow(w http.ResponseWriter, r *http.Request) {
	s.renderRequest(w, r, http.StatusOK, nil, nil)
}

// renderRequest shows a request; typed and errs are a form of it that came back with errors.
func (s *Server) renderRequest(w http.ResponseWriter, r *http.Request, status int, typed url.Values, errs domain.FieldErrors) {
	id, err := pathID[int64](r, "id")
	var d request.Detail
	if err == nil {
		d, err = s.Requests.Get(r.Context(), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := requestView(r.Context(), d, typed, errs)
	v.Nav, v.Flash = navFor(r), s.flash(r)
	s.renderPage(w, r, status, requests.ShowPage(v))
}

// requestPost answers one of a request page's forms: call, then back to the page with flash, or the page
// again with what was typed and the messages.
func (s *Server) requestPost(flash string, call func(r *http.Request, id int64) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID[int64](r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if !s.parseForm(w, r) {
			return
		}
		err = call(r, id)
		var fe domain.FieldErrors
		if errors.As(err, &fe) {
			s.renderRequest(w, r, http.StatusUnprocessableEntity, r.PostForm, fe)
			return
		}
		var ce *domain.ConflictError
		if errors.As(err, &ce) {
			s.Sessions.Put(r.Context(), sessionFlash, ce.Key)
			redirect(w, r, requestURL(id))
			return
		}
		s.done(w, r, err, flash, requestURL(id))
	}
}

func (s *Server) requestUpdate(w http.ResponseWriter, r *http.Request) {
	s.requestPost("requests.saved", func(r *http.Request, id int64) error {
		f := r.PostForm
		version, _ := strconv.Atoi(f.Get("version"))
		return s.Requests.Update(r.Context(), id, request.Change{Status: f.Get("status"), RefusalReason: f.Get("refusal_reason"),
			Handler: f.Get("handler"), Kinds: f["kinds"], Notes: f.Get("notes"), Version: version})
	})(w, r)
}

func (s *Server) requestExtend(w http.ResponseWriter, r *http.Request) {
	s.requestPost("requests.extended", func(r *http.Request, id int64) error {
		f := r.PostForm
		return s.Requests.Extend(r.Context(), id, request.Extension{Months: f.Get("months"), Reason: f.Get("extension_reason"),
			Notice: f.Get("extension_notice"), NoticeOn: f.Get("notice_on")})
	})(w, r)
}

func (s *Server) requestIdentify(w http.ResponseWriter, r *http.Request) {
	s.requestPost("requests.identified", func(r *http.Request, id int64) error {
		return s.Requests.Identify(r.Context(), id, request.Identity{Method: r.PostForm.Get("identity_method"), CheckedOn: r.PostForm.Get("identity_on")})
	})(w, r)
}

func (s *Server) requestCustomer(w http.ResponseWriter, r *http.Request) {
	s.requestPost("requests.customer_linked", func(r *http.Request, id int64) error {
		return s.Requests.LinkCustomer(r.Context(), id, r.PostForm.Get("customer_number"))
	})(w, r)
}

func (s *Server) requestNoData(w http.ResponseWriter, r *http.Request) {
	s.requestPost("requests.saved", func(r *http.Request, id int64) error { return s.Requests.NoData(r.Context(), id) })(w, r)
}

func (s *Server) requestAction(w http.ResponseWriter, r *http.Request) {
	s.requestPost("requests.action_saved", func(r *http.Request, id int64) error {
		f := r.PostForm
		return s.Requests.AddAction(r.Context(), id, request.ActionInput{Kind: f.Get("action_kind"), Ref: f.Get("action_ref"), Note: f.Get("action_note")})
	})(w, r)
}

// requestColumns are the register's CSV for an auditor: numbers, kinds, dates, outcome, days taken; no
// requester.
func requestColumns(ctx context.Context, today time.Time) []column[domain.SubjectRequest] {
	date := func(t *time.Time) any {
		if t == nil {
			return ""
		}
		return t.Format(domain.DateLayout)
	}
	return []column[domain.SubjectRequest]{
		{heading: "requests.number", value: func(q *domain.SubjectRequest) any { return q.Number() }},
		{heading: "requests.kinds", value: func(q *domain.SubjectRequest) any { return kindsText(ctx, q.Kinds) }},
		{heading: "requests.channel", value: func(q *domain.SubjectRequest) any { return i18n.T(ctx, "requests.channel."+string(q.Channel)) }},
		{heading: "requests.received", value: func(q *domain.SubjectRequest) any { return q.Received.Format(domain.DateLayout) }},
		{heading: "requests.col.extended", value: func(q *domain.SubjectRequest) any { return int64(q.ExtendedMonths) }},
		{heading: "requests.due", value: func(q *domain.SubjectRequest) any { return q.Due().Format(domain.DateLayout) }},
		{heading: "requests.col.identity_on", value: func(q *domain.SubjectRequest) any { return date(q.IdentityCheckedOn) }},
		{heading: "requests.status", value: func(q *domain.SubjectRequest) any { return i18n.T(ctx, "requests.status."+string(q.Status)) }},
		{heading: "requests.col.closed", value: func(q *domain.SubjectRequest) any { return date(q.Closed) }},
		{heading: "requests.col.days_taken", value: func(q *domain.SubjectRequest) any {
			if q.Closed == nil {
				return ""
			}
			return int64(q.DaysTaken())
		}},
		{heading: "requests.col.on_time", value: func(q *domain.SubjectRequest) any {
			end := today
			if q.Closed != nil {
				end = *q.Closed
			}
			if end.After(q.Due()) {
				return i18n.T(ctx, "requests.col.late")
			}
			return i18n.T(ctx, "requests.col.in_time")
		}},
	}
}

func (s *Server) requestCSV(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t := newCSVTable(ctx, w, i18n.T(ctx, "requests.filename"), s.Now(), requestColumns(ctx, domain.CalendarDay(s.Now())))
	err := s.RequestExports.Requests(ctx, t.row)
	if err == nil {
		err = t.flush()
	}
	if err != nil {
		s.exportFailed(w, r, export.Request{}, t.started(), err)
	}
}
