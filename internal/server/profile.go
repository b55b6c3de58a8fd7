package server

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/user"
	"github.com/affar/affar/templates/users"
)

func (s *Server) profileView(r *http.Request) users.ProfileView {
	a, _ := authz.ActorFrom(r.Context())
	return users.ProfileView{Nav: navFor(r), Flash: s.flash(r), Name: a.Name, Email: a.Email, Language: a.Language}
}

func (s *Server) profilePage(w http.ResponseWriter, r *http.Request) {
	s.renderPage(w, r, http.StatusOK, users.ProfilePage(s.profileView(r)))
}

func (s *Server) profileSave(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	name, lang := r.PostForm.Get("name"), r.PostForm.Get("language")
	err := s.Users.UpdateOwnProfile(r.Context(), name, lang)
	var fe domain.FieldErrors
	if errors.As(err, &fe) {
		v := s.profileView(r)
		v.Name, v.Language, v.Errors = name, lang, fe
		s.renderPage(w, r, http.StatusUnprocessableEntity, users.ProfilePage(v))
		return
	}
	s.done(w, r, err, "profile.saved", "/profile")
}

func (s *Server) profilePassword(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	err := s.Users.ChangeOwnPassword(r.Context(), f.Get("current"), f.Get("password"), f.Get("repeat"),
		s.Sessions.GetString(r.Context(), SessionKey))
	var fe domain.FieldErrors
	var throttled *user.ThrottledError
	status := http.StatusUnprocessableEntity
	if errors.As(err, &throttled) {
		fe, status = domain.FieldErrors{"current": "profile.throttled"}, http.StatusTooManyRequests
	}
	if fe != nil || errors.As(err, &fe) {
		v := s.profileView(r)
		v.PassErrors = fe
		s.renderPage(w, r, status, users.ProfilePage(v))
		return
	}
	s.done(w, r, err, "profile.password_changed", "/profile")
}

// linkGone answers for a link that does not work, saying why when it was withdrawn or refused (the holder
// of the token learns nothing about the account but that), and reports whether err was such a link.
func (s *Server) linkGone(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case errors.Is(err, user.ErrLinkWithdrawn):
		s.renderPage(w, r, http.StatusGone, users.LinkGonePage("password.withdrawn"))
	case errors.Is(err, user.ErrLinkRefused):
		s.renderPage(w, r, http.StatusForbidden, users.LinkGonePage("password.refused"))
	case errors.Is(err, domain.ErrNotFound):
		s.renderPage(w, r, http.StatusNotFound, users.LinkGonePage("password.gone_help"))
	default:
		return false
	}
	return true
}

// passwordPage is behind an invitation or reset link. A used or expired link says so, and nothing else.
func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	u, purpose, err := s.Users.LinkUser(r.Context(), token)
	if s.linkGone(w, r, err) {
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderPage(w, r, http.StatusOK, users.SetPasswordPage(users.SetPasswordView{Token: token, Name: u.Name,
		Email: u.Email, Invite: purpose == user.PurposeInvite}))
}

func (s *Server) passwordSet(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	token := chi.URLParam(r, "token")
	err := s.Users.SetPasswordByLink(r.Context(), token, r.PostForm.Get("password"), r.PostForm.Get("repeat"))
	var fe domain.FieldErrors
	switch {
	case errors.As(err, &fe):
		u, purpose, lerr := s.Users.LinkUser(r.Context(), token)
		if lerr != nil {
			if !s.linkGone(w, r, lerr) {
				s.fail(w, r, lerr)
			}
			return
		}
		s.renderPage(w, r, http.StatusUnprocessableEntity, users.SetPasswordPage(users.SetPasswordView{Token: token,
			Name: u.Name, Email: u.Email, Invite: purpose == user.PurposeInvite, Errors: fe}))
	case s.linkGone(w, r, err):
	case err != nil:
		s.fail(w, r, err)
	default:
		// Whoever was signed in in this browser is signed out: the link's user signs in next.
		if err := s.Sessions.Destroy(r.Context()); err != nil {
			s.fail(w, r, err)
			return
		}
		redirect(w, r, "/signin?password_set=1")
	}
}
