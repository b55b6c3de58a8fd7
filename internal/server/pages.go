package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
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
	if a.CanAny(authz.PrivacyReaders...) {
		c, ran, err := s.ChainChecks.Latest(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if v.Privacy, err = s.privacyOverview(r.Context(), a); err != nil {
			s.fail(w, r, err)
			return
		}
		v.Chain = &dashboard.Chain{Ran: ran, OK: c.OK, At: localMinute(c.At), Events: strconv.FormatInt(c.Events, 10),
			Broken: strconv.FormatInt(c.BrokenEvent, 10), Recipients: strconv.Itoa(c.Recipients)}
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
// privacyOverview is the start page's data protection card.
func (s *Server) privacyOverview(ctx context.Context, a authz.Actor) (*dashboard.Privacy, error) {
	o, err := s.GDPR.Overview(ctx)
	if err != nil {
		return nil, err
	}
	p := &dashboard.Privacy{HoldsSoon: o.HoldsSoon, Agreement: o.Agreement, Recipients: o.Recipients, AcceptedBy: o.AcceptedBy}
	if o.NextRelease != nil {
		p.NextRelease = o.NextRelease.Format(domain.DateLayout)
	}
	p.OpenCount = o.OpenCount
	manage := a.Can(authz.PrivacyManage)
	if manage {
		p.RequestsURL = "/requests"
	}
	today := domain.CalendarDay(s.Now())
	for _, q := range o.Requests {
		p.Requests = append(p.Requests, requestClock(ctx, q, today, manage))
	}
	for _, j := range o.Jobs {
		job := dashboard.Job{Ref: j.Ref, StatusKey: "bulk.status." + string(j.Status), KindKey: "bulk.kind." + string(j.Kind),
			When: localMinute(j.CreatedAt), Processed: j.Processed, Total: j.Total}
		if a.Can(authz.CustomerBulkErase) {
			job.URL = bulkURL(j.ID)
		}
		p.Jobs = append(p.Jobs, job)
	}
	return p, nil
}
