package server

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/user"
	"github.com/affar/affar/templates/auth"
)

// safeNext keeps a post-sign-in target on this site: a plain local path, rebuilt from its parts, never
// "//host", "/\host" or anything with control characters a browser might strip into one.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.ContainsAny(next, "\\") {
		return "/"
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return (&url.URL{Path: u.Path, RawQuery: u.RawQuery}).String()
}

func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := authz.ActorFrom(r.Context()); ok {
		redirect(w, r, "/")
		return
	}
	f := auth.SignInForm{Next: safeNext(r.URL.Query().Get("next"))}
	if r.URL.Query().Has("password_set") {
		f.Info = i18n.T(r.Context(), "signin.password_set")
	}
	if r.URL.Query().Has("signed_out") {
		f.Info = i18n.T(r.Context(), "signin.signed_out")
	}
	s.renderPage(w, r, http.StatusOK, auth.SignInPage(f))
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	f := auth.SignInForm{Email: r.PostForm.Get("email"), Next: safeNext(r.PostForm.Get("next"))}
	// The form leaves checking to the server (novalidate): a field left empty is said so, not counted as a
	// failed sign-in.
	if strings.TrimSpace(f.Email) == "" || r.PostForm.Get("password") == "" {
		f.Error = i18n.T(ctx, "signin.missing")
		s.renderPage(w, r, http.StatusUnprocessableEntity, auth.SignInPage(f))
		return
	}
	signedIn, err := s.Users.SignIn(ctx, user.Credentials{Email: f.Email, Password: r.PostForm.Get("password"),
		Client: s.clientAddr(r), Devices: s.deviceCookie(r)})
	var throttled *user.ThrottledError
	switch {
	case errors.Is(err, domain.ErrBusy):
		f.Error = i18n.T(ctx, "signin.busy")
		w.Header().Set("Retry-After", "5")
		s.renderPage(w, r, http.StatusServiceUnavailable, auth.SignInPage(f))
		return
	case errors.As(err, &throttled):
		minutes := int(math.Ceil(throttled.Until.Sub(s.Now()).Minutes()))
		f.Error = i18n.N(ctx, "signin.throttled", max(minutes, 1))
		s.renderPage(w, r, http.StatusTooManyRequests, auth.SignInPage(f))
		return
	case errors.Is(err, domain.ErrBadCredentials):
		f.Error = i18n.T(ctx, "signin.failed")
		s.renderPage(w, r, http.StatusUnauthorized, auth.SignInPage(f))
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	// A new token at sign-in defeats session fixation.
	if err := s.Sessions.RenewToken(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	s.Sessions.Put(ctx, SessionKey, signedIn.ID)
	s.setDeviceCookie(w, signedIn.Devices)
	redirect(w, r, f.Next)
}

// deviceCookieLifetime is how long a browser stays known to the accounts that signed in with it.
const deviceCookieLifetime = 180 * 24 * time.Hour

func (s *Server) deviceCookieName() string { return s.Config.CookieName(user.DeviceCookie) }

// deviceCookie is the browser's device cookie (user.DeviceCookie), "" without one.
func (s *Server) deviceCookie(r *http.Request) string {
	c, err := r.Cookie(s.deviceCookieName())
	if err != nil {
		return ""
	}
	return c.Value
}

// setDeviceCookie remembers this browser for the accounts that signed in with it; signing out keeps it.
func (s *Server) setDeviceCookie(w http.ResponseWriter, value string) {
	http.SetCookie(w, &http.Cookie{Name: s.deviceCookieName(), Value: value, Path: "/", MaxAge: int(deviceCookieLifetime / time.Second),
		HttpOnly: true, Secure: s.Config.Secure(), SameSite: http.SameSiteStrictMode})
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if err := s.Users.SignedOut(r.Context(), s.Sessions.GetString(r.Context(), SessionKey)); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Sessions.Destroy(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/signin?signed_out=1")
}
