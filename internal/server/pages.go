package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/templates/auditlog"
	"github.com/affar/affar/templates/dashboard"
	"github.com/affar/affar/templates/layout"
)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.DB.Ping(ctx); err != nil {
		s.Log.Warn("not ready", "request_id", RequestID(r.Context()), "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unavailable\n"))
		return
	}
	// Erasures fail closed while the ledger cannot be written: a server in that state is not ready.
	if err := s.GDPR.LedgerWritable(); err != nil {
		s.Log.Warn("not ready", "request_id", RequestID(r.Context()), "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("erasure ledger not writable\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// flash pops the one-shot message id stored by a POST and translates it, coloured by what it reports.
func (s *Server) flash(r *http.Request) *layout.Flash {
	key := s.Sessions.PopString(r.Context(), sessionFlash)
	if key == "" {
		return nil
	}
	return &layout.Flash{Kind: flashKind(key), Text: i18n.T(r.Context(), key)}
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	a, _ := authz.ActorFrom(r.Context())
	v := dashboard.View{Nav: navFor(r), Flash: s.flash(r), UserName: a.Name, IsAdmin: a.IsAdmin,
		Language: i18n.Lang(r.Context())}
	for _, g := range authz.Groups {
		pg := dashboard.PermGroup{Key: g.Key}
		for _, p := range g.Permissions {
			if a.Can(p) {
				pg.Perms = append(pg.Perms, p.LabelKey())
			}
		}
		if len(pg.Perms) > 0 {
			v.Groups = append(v.Groups, pg)
		}
	}
	s.renderPage(w, r, http.StatusOK, dashboard.Page(v))
}

func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	s.done(w, r, s.Users.SetLanguage(r.Context(), r.PostForm.Get("language")), "dashboard.language_saved", "/")
}

// auditCols are the audit log's sortable columns; newest first unless chosen otherwise.
var auditCols = []sortColumn{{"at", "audit.col.at", true}, {"actor", "audit.col.actor_id", false},
	{"event", "audit.col.action", false}}

func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	req, _ := listRequest(q, auditCols, 0)
	page, err := s.Audit.Page(ctx, req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	entries := page.Rows
	v := auditlog.View{Nav: navFor(r)}
	reader, _ := authz.ActorFrom(ctx)
	for _, e := range entries {
		row := auditlog.Row{ID: e.ID, At: localSecond(e.At),
			ActionKey: "action." + e.Action}
		// The name is what the actor had chosen then; the id, in a column of its own, is who they are.
		switch {
		case e.ActorID == nil && e.Action == "auth.sign_in_failed":
			row.Actor = i18n.T(ctx, "audit.anonymous")
		case e.ActorID == nil:
			row.Actor = i18n.T(ctx, "audit.system")
		default:
			row.Actor, row.ActorID = e.ActorName, int64(*e.ActorID)
			if reader.Can(authz.UserView) {
				row.ActorURL = userPath(*e.ActorID)
			}
		}
		if e.EntityID != nil {
			row.Entity = fmt.Sprintf("%s %d", e.EntityType, *e.EntityID)
		}
		if len(e.Details) > 0 {
			b, _ := json.Marshal(e.Details)
			row.Details = string(b)
		}
		v.Rows = append(v.Rows, row)
	}
	var first, last int64
	if n := len(entries); n > 0 {
		first, last = entries[0].ID, entries[n-1].ID
	}
	urlFor := func(set map[string]string) string { return queryURL("/audit", q, listKeep, set) }
	p := pageLinks(q, req, len(entries), first, last, page.HasPrev, page.HasNext, page.Total, page.Capped, urlFor)
	v.Showing, v.Pager = p.Showing, p.pages()
	v.Sizes, v.Sorts = pageSizes(req.Limit, urlFor), sortLinks(auditCols, req, urlFor)
	s.renderPage(w, r, http.StatusOK, auditlog.Page(v))
}
