package server

// Reading a request and answering it: ids from the route, the posted form, errors to status codes and
// POST/redirect/GET.

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
)

// pathID parses a numeric id from the route; a malformed one is simply not found.
func pathID[T ~int64](r *http.Request, name string) (T, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	if err != nil || id <= 0 {
		return 0, domain.ErrNotFound
	}
	return T(id), nil
}

// idForm reads the {id} of the route and the posted form. When either is wrong it has answered the
// request (404, 400 or 413) and reports false.
func idForm[T ~int64](s *Server, w http.ResponseWriter, r *http.Request) (T, bool) {
	id, err := pathID[T](r, "id")
	if err != nil {
		s.fail(w, r, err)
		return 0, false
	}
	return id, s.parseForm(w, r)
}

// parseForm reads the posted form; a body too large is 413, a malformed one 400. It reports whether the
// handler may go on.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) bool {
	err := r.ParseForm()
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		return true
	case errors.As(err, &tooBig):
		s.renderError(w, r, http.StatusRequestEntityTooLarge, "")
	default:
		s.renderError(w, r, http.StatusBadRequest, "")
	}
	return false
}

// fail maps an error to its status in one place. Only 5xx are logged, with the request id; the client
// sees nothing internal.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var tooBig *http.MaxBytesError
	switch {
	case clientGone(r):
		// Nobody is listening; the access log records the request as 499.
	case errors.Is(err, domain.ErrUnauthenticated):
		s.toSignIn(w, r)
	case errors.Is(err, domain.ErrForbidden):
		s.renderError(w, r, http.StatusForbidden, "")
	case errors.Is(err, domain.ErrRestricted):
		s.restricted(w, r)
	case errors.Is(err, domain.ErrNotFound):
		s.renderError(w, r, http.StatusNotFound, "")
	case errors.Is(err, domain.ErrConflict):
		detail := ""
		if ce := (*domain.ConflictError)(nil); errors.As(err, &ce) {
			detail = i18n.T(r.Context(), ce.Key)
		}
		s.renderError(w, r, http.StatusConflict, detail)
	case errors.Is(err, domain.ErrInvalid):
		s.renderError(w, r, http.StatusUnprocessableEntity, "")
	case errors.As(err, &tooBig):
		s.renderError(w, r, http.StatusRequestEntityTooLarge, "")
	default:
		s.Log.Error("request failed", "request_id", RequestID(r.Context()), "method", r.Method,
			"path", loggedPath(r.URL.Path), "err", err)
		s.renderError(w, r, http.StatusInternalServerError, "")
	}
}

// done finishes a change: the error page, or the confirmation on the page the change was made from.
func (s *Server) done(w http.ResponseWriter, r *http.Request, err error, flash, to string) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.Sessions.Put(r.Context(), sessionFlash, flash)
	redirect(w, r, to)
}

// edit is what an edit form needs of one register: the record's id type ID, what the form holds (In) and
// the record as the form is built from it (R). openEdit and saveEdit do the rest, the same for each.
type edit[ID ~int64, In, R any] struct {
	Input  func(*http.Request) In // what was typed
	Shown  func(R) In             // the record's values, as the form first shows them
	Update func(ctx context.Context, id ID, in In, version int64) error
	Load   func(ctx context.Context, id ID) (R, error) // the record as it is now, for the form again
	Form   func(rec R, in In, errs domain.FieldErrors, notice string) templ.Component
	Stale  *domain.ConflictError
	Saved  string // the flash
	URL    func(ID) string
}

// openEdit shows the edit form of the record in the path.
func openEdit[ID ~int64, In, R any](s *Server, w http.ResponseWriter, r *http.Request, e edit[ID, In, R]) {
	id, err := pathID[ID](r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rec, err := e.Load(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderPage(w, r, http.StatusOK, e.Form(rec, e.Shown(rec), nil, ""))
}

// saveEdit saves an edit form. Done: the flash and the record's page. Failed on what was typed or on a
// stale version: the form again with what was typed, the errors beside their fields (422) or, when
// someone else changed the record since the form was opened, the notice of stale against the record as
// it is now (409), read with one Load.
func saveEdit[ID ~int64, In, R any](s *Server, w http.ResponseWriter, r *http.Request, e edit[ID, In, R]) {
	id, ok := idForm[ID](s, w, r)
	if !ok {
		return
	}
	in := e.Input(r)
	version, _ := strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	err := e.Update(r.Context(), id, in, version)
	var fe domain.FieldErrors
	isStale := errors.Is(err, e.Stale)
	if !isStale && !errors.As(err, &fe) {
		s.done(w, r, err, e.Saved, e.URL(id))
		return
	}
	status, notice := http.StatusUnprocessableEntity, ""
	if isStale {
		status, notice = http.StatusConflict, i18n.T(r.Context(), e.Stale.Key)
	}
	rec, err := e.Load(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderPage(w, r, status, e.Form(rec, in, fe, notice))
}

// redirect answers a POST with 303 to a GET page (POST/redirect/GET).
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}
