package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/export"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/templates/auditlog"
)

var auditCols = []sortColumn{{"at", "audit.col.at", true}, {"actor", "audit.col.actor_id", false},
	{"event", "audit.col.action", false}}

// auditFilterKeys are the audit log's filter parameters, carried by its sort, size and pager links.
var auditFilterKeys = []string{"customer", "supplier", "actor", "group", "from", "to", "q"}

// parseAuditFilter reads the log's filter: what was typed, for showing again, and the filter; a bad
// value is reported beside its field and ignored.
func parseAuditFilter(q url.Values) (domain.AuditFilter, auditlog.Filter) {
	typed := auditlog.Filter{Customer: q.Get("customer"), Supplier: q.Get("supplier"), Actor: q.Get("actor"),
		Group: q.Get("group"), Q: searchable(q.Get("q")), Errors: map[string]string{}}
	var f domain.AuditFilter
	number := func(name, s string) int64 {
		if s == "" {
			return 0
		}
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || n <= 0 {
			typed.Errors[name] = "error.number"
			return 0
		}
		return n
	}
	f.Customer, f.Supplier, f.Actor = number("customer", typed.Customer), number("supplier", typed.Supplier), number("actor", typed.Actor)
	if actions, ok := audit.GroupActions(typed.Group); ok {
		f.Actions = actions
	} else {
		typed.Group = ""
	}
	var errs map[string]string
	f.From, f.To, errs = accessDates(q)
	typed.From, typed.To = q.Get("from"), q.Get("to")
	for k, v := range errs {
		typed.Errors[k] = v
	}
	f.Text = strings.TrimSpace(typed.Q)
	if f.Text != "" && !f.Narrowed() {
		typed.Errors["q"], f.Text = "audit.filter.text_alone", ""
	}
	if len([]rune(f.Text)) > 100 {
		typed.Errors["q"], f.Text = "error.too_long", ""
	}
	return f, typed
}

func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	req, _ := listRequest(q, auditCols, 0)
	f, typed := parseAuditFilter(q)
	page, err := s.Audit.Page(ctx, req, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	entries := page.Rows
	v := auditlog.View{Nav: navFor(r), Filter: typed, Groups: auditGroups(ctx), CSVURL: queryURL("/audit.csv", q, auditFilterKeys, nil)}
	reader, _ := authz.ActorFrom(ctx)
	for _, e := range entries {
		v.Rows = append(v.Rows, auditRow(ctx, reader, e))
	}
	var first, last int64
	if n := len(entries); n > 0 {
		first, last = entries[0].ID, entries[n-1].ID
	}
	keep := append(append([]string{}, listKeep...), auditFilterKeys...)
	urlFor := func(set map[string]string) string { return queryURL("/audit", q, keep, set) }
	p := pageLinks(q, req, len(entries), first, last, page.HasPrev, page.HasNext, page.Total, page.Capped, urlFor)
	v.Showing, v.Pager = p.Showing, p.pages()
	v.Sizes, v.Sorts = pageSizes(req.Limit, urlFor), sortLinks(auditCols, req, urlFor)
	s.renderPage(w, r, http.StatusOK, auditlog.Page(v))
}

// auditGroups are the event filter's choices in the reader's language.
func auditGroups(ctx context.Context) []auditlog.Option {
	out := make([]auditlog.Option, 0, len(audit.Groups))
	for _, g := range audit.Groups {
		out = append(out, auditlog.Option{Value: g.Name, Label: i18n.T(ctx, "audit.group."+g.Name)})
	}
	return out
}

// auditRow is one event as the log shows it: who by their name then and their number, the object by the
// number people know it by, linked, and the details as words.
func auditRow(ctx context.Context, reader authz.Actor, e audit.Entry) auditlog.Row {
	row := auditlog.Row{ID: e.ID, At: localSecond(e.At), ActionKey: "action." + e.Action,
		Details: detailsText(ctx, e.EntityType, e.Details)}
	// The name is what the actor had chosen then; the id, in a column of its own, is who they are.
	switch {
	case e.ActorID == nil && e.Action == audit.SignInFailed:
		row.Actor = i18n.T(ctx, "audit.anonymous")
	case e.ActorID == nil:
		row.Actor = i18n.T(ctx, "audit.system")
	default:
		row.Actor, row.ActorID = e.ActorName, int64(*e.ActorID)
		if reader.Can(authz.UserView) {
			row.ActorURL = userPath(*e.ActorID)
		}
	}
	row.Entity, row.EntityURL = auditObject(ctx, reader, e)
	return row
}

// auditObject names what an event is about ("Kund 10009", "Offert 50140") and links it for readers who
// may open it; an erased customer keeps their number and loses the link.
func auditObject(ctx context.Context, reader authz.Actor, e audit.Entry) (name, link string) {
	if e.EntityID == nil {
		return "", ""
	}
	id := *e.EntityID
	number := strconv.FormatInt(e.EntityNumber, 10)
	switch {
	case e.EntityType == audit.Customer && e.EntityNumber != 0:
		name = i18n.Tf(ctx, "audit.object.customer", number)
		if reader.Can(authz.CustomerView) && !e.EntityGone {
			link = customerURL(domain.CustomerID(id))
		}
	case e.EntityType == "quote" && e.EntityNumber != 0:
		name = i18n.Tf(ctx, "audit.object.quote", number)
		if reader.Can(authz.CustomerView) {
			link = "/quotes/" + strconv.FormatInt(id, 10)
		}
	case e.EntityType == "supplier" && e.EntityNumber != 0:
		name = i18n.Tf(ctx, "audit.object.supplier", number)
		if reader.Can(authz.SupplierView) {
			link = "/suppliers/" + strconv.FormatInt(id, 10)
		}
	case e.EntityType == "user":
		name = i18n.Tf(ctx, "audit.object.user", strconv.FormatInt(id, 10))
		if reader.Can(authz.UserView) {
			link = userPath(domain.UserID(id))
		}
	default:
		name = i18n.Tf(ctx, "audit.object.other", i18n.T(ctx, "audit.entity."+e.EntityType), strconv.FormatInt(id, 10))
	}
	return name, link
}

// auditColumns are the audit log export's columns: what the page shows, in the reader's language.
var auditColumns = []column[auditlog.Row]{
	{heading: "audit.col.id", value: func(r *auditlog.Row) any { return r.ID }},
	{heading: "audit.col.at", value: func(r *auditlog.Row) any { return r.At }, plain: true},
	{heading: "audit.col.actor_id", value: func(r *auditlog.Row) any { return r.ActorID }},
	{heading: "audit.col.actor", value: func(r *auditlog.Row) any { return r.Actor }},
	{heading: "audit.col.action", value: func(r *auditlog.Row) any { return r.Action }},
	{heading: "audit.col.entity", value: func(r *auditlog.Row) any { return r.Entity }},
	{heading: "audit.col.details", value: func(r *auditlog.Row) any { return r.Details }},
}

// auditCSV downloads the filtered log, newest first, as the register export is written (export.NewCSV).
func (s *Server) auditCSV(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	f, typed := parseAuditFilter(q)
	if len(typed.Errors) > 0 {
		redirect(w, r, queryURL("/audit", q, auditFilterKeys, nil))
		return
	}
	var used []string
	for _, k := range auditFilterKeys {
		if q.Get(k) != "" {
			used = append(used, k) // which filters, not what was typed: the text may name someone
		}
	}
	reader, _ := authz.ActorFrom(ctx)
	t := newCSVTable(ctx, w, "granskningslogg.csv", s.Now(), auditColumns)
	err := s.Exports.AuditLog(ctx, f, used, func(e audit.Entry) error {
		row := auditRow(ctx, reader, e)
		row.Action = i18n.T(ctx, row.ActionKey)
		return t.row(row)
	})
	if err == nil {
		err = t.flush()
	}
	if err != nil {
		var ce *domain.ConflictError
		if !t.started() && errors.As(err, &ce) {
			s.Sessions.Put(ctx, sessionFlash, ce.Key)
			redirect(w, r, queryURL("/audit", q, auditFilterKeys, nil))
			return
		}
		s.exportFailed(w, r, export.Request{}, t.started(), err)
	}
}
