package server

import (
	"bytes"
	"net/http"
	"net/url"

	"github.com/a-h/templ"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/templates/errorpage"
	"github.com/affar/affar/templates/layout"
)

// renderPage renders c into a buffer first, so a template error becomes a clean 500 rather than half a page.
func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		if clientGone(r) {
			return
		}
		s.Log.Error("render", "request_id", RequestID(r.Context()), "err", err)
		if status != http.StatusInternalServerError {
			s.renderError(w, r, http.StatusInternalServerError, "")
		} else {
			http.Error(w, "internal error "+RequestID(r.Context()), http.StatusInternalServerError)
		}
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

func errorView(r *http.Request, titleKey, bodyKey string) templ.Component {
	return errorpage.Page(errorpage.View{Nav: navFor(r), TitleKey: titleKey, BodyKey: bodyKey})
}

// renderError renders the error page for status; detail is an already translated explanation or "".
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, detail string) {
	v := errorpage.View{Nav: navFor(r), Detail: detail}
	switch status {
	case http.StatusForbidden:
		v.TitleKey, v.BodyKey = "error.forbidden.title", "error.forbidden.body"
	case http.StatusNotFound:
		v.TitleKey, v.BodyKey = "error.notfound.title", "error.notfound.body"
	case http.StatusConflict:
		v.TitleKey, v.BodyKey = "error.conflict.title", "error.conflict.body"
	case http.StatusUnprocessableEntity:
		v.TitleKey, v.BodyKey = "error.invalid.title", "error.invalid.body"
	case http.StatusRequestEntityTooLarge:
		v.TitleKey, v.BodyKey = "error.toolarge.title", "error.toolarge.body"
	case http.StatusBadRequest:
		v.TitleKey, v.BodyKey = "error.badrequest.title", "error.badrequest.body"
	case http.StatusServiceUnavailable:
		v.TitleKey, v.BodyKey = "error.busy.title", "error.busy.body"
	case http.StatusTooManyRequests:
		v.TitleKey, v.BodyKey = "error.toomany.title", "error.toomany.body"
	default:
		status = http.StatusInternalServerError
		v.TitleKey, v.BodyKey, v.RequestID = "error.internal.title", "error.internal.body", RequestID(r.Context())
	}
	s.renderPage(w, r, status, errorpage.Page(v))
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, http.StatusNotFound, "")
}

func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
}

// navFor lists the areas the signed-in user may use; nil for anonymous visitors.
func navFor(r *http.Request) *layout.Nav {
	a, ok := authz.ActorFrom(r.Context())
	if !ok {
		return nil
	}
	nav := &layout.Nav{UserName: a.Name}
	if a.PendingAgreement != "" {
		nav.Notice = i18n.Tf(r.Context(), "agreement.banner", a.PendingAgreement)
	}
	add := func(key, href string) {
		nav.Items = append(nav.Items, layout.NavItem{Key: key, Href: href, Active: r.URL.Path == href})
	}
	add("nav.dashboard", "/")
	if a.Can(authz.CustomerView) {
		add("nav.customers", "/customers")
		add("nav.crm", "/crm")
		add("nav.quotes", "/quotes")
	}
	if a.Can(authz.SupplierView) {
		add("nav.suppliers", "/suppliers")
	}
	if a.Can(authz.UserView) {
		add("nav.users", "/users")
	}
	if a.Can(authz.AuditView) {
		add("nav.audit", "/audit")
		add("nav.erasures", "/erasures")
		add("nav.agreement", "/agreement")
	}
	if a.Can(authz.PrivacyManage) {
		add("nav.privacy", "/privacy")
		add("nav.requests", "/requests")
		add("nav.rules", "/privacy/rules")
	}
	if a.CanAny(authz.PrivacyReaders...) {
		add("nav.records", "/privacy/records")
	}
	if a.IsAdmin {
		add("nav.settings", "/settings")
	}
	return nav
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
