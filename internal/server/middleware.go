package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/user"
)

type requestIDKey struct{}

// requestID gives every request a random id, in the response header and in the context for logs and the
// 500 page.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// RequestID returns the id of the request in ctx.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// recoverer turns a panic into the 500 page; the stack goes to the log, never to the client. A response
// already under way (a streaming export) is broken off instead, so the client sees it is incomplete.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p) // net/http's way to abort a response; it handles it itself
			}
			s.Log.Error("panic", "request_id", RequestID(r.Context()), "panic", p, "stack", string(debug.Stack()))
			if sw.status != 0 || sw.bytes > 0 { // the response had begun
				panic(http.ErrAbortHandler)
			}
			s.renderError(w, r, http.StatusInternalServerError, "")
		}()
		next.ServeHTTP(sw, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// statusClientGone is the status the access log records for a client that went away before its answer
// (nginx's 499); nothing is sent.
const statusClientGone = 499

// clientGone reports whether the client of r closed its connection: the request's context is cancelled.
// What fails after that is no server error: the access line records it, once, and nothing else is logged.
func clientGone(r *http.Request) bool { return errors.Is(r.Context().Err(), context.Canceled) }

// accessLog logs one line per request: method, path (never the query string or form values), status,
// size, duration and ids.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			status := sw.status
			p := recover()
			if p != nil {
				defer panic(p)
			}
			switch {
			case clientGone(r) && (status == 0 || p == http.ErrAbortHandler):
				status = statusClientGone
			case p != nil:
				status = http.StatusInternalServerError
			case status == 0:
				status = http.StatusOK
			}
			s.Log.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("request_id", RequestID(r.Context())),
				slog.String("method", r.Method),
				slog.String("path", loggedPath(r.URL.Path)),
				slog.Int("status", status),
				slog.Int("bytes", sw.bytes),
				slog.Duration("duration", time.Since(start)))
		}()
		next.ServeHTTP(sw, r)
	})
}

// loggedPath keeps the token of an invitation or reset link out of the log: it is a credential.
func loggedPath(p string) string {
	if strings.HasPrefix(p, domain.PasswordLinkPath) {
		return domain.RedactedLink
	}
	return p
}

const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// securityHeaders sets a strict CSP (no inline script or style anywhere) and friends. Every response
// except static files is no-store: pages may hold personal data.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if s.Config.Secure() {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "public, max-age=3600")
		} else {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// crossOrigin refuses cross-site unsafe requests (CSRF) with the 403 page.
func (s *Server) crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Log.Warn("cross-origin request refused", "request_id", RequestID(r.Context()), "method", r.Method,
			"path", loggedPath(r.URL.Path))
		s.renderPage(w, r, http.StatusForbidden, errorView(r, "error.crossorigin.title", "error.crossorigin.body"))
	}))
	return cop.Handler(next)
}

// limitBody answers 413 to a body larger than the configured limit, before anyone reads it.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := s.Config.MaxBodyBytes
		if r.Method == http.MethodPost && r.URL.Path == importPath {
			limit = max(limit, s.Config.MaxImportBytes) // a file of customers
		}
		if r.ContentLength > limit {
			s.renderError(w, r, http.StatusRequestEntityTooLarge, "")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

const (
	SessionKey   = "session_id" // the user_sessions row of a signed-in session (the session store reads it too)
	sessionFlash = "flash"      // a message id, never a name or other data
)

// readSessionUser lets the session store read the session's user with the session (user.WithSessionRead):
// one statement for both instead of two, on every request.
func readSessionUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(user.WithSessionRead(r.Context())))
	})
}

// loadActor reads the session's user and permissions from the database on every request, so a revocation
// or deactivation takes effect at once, and sets the interface language.
func (s *Server) loadActor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		lang := i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))
		if sid := s.Sessions.GetString(ctx, SessionKey); sid != "" {
			actor, err := s.Users.Actor(ctx, sid)
			switch {
			case errors.Is(err, domain.ErrUnauthenticated):
				if err := s.Sessions.Destroy(ctx); err != nil {
					s.fail(w, r, err)
					return
				}
			case err != nil:
				s.fail(w, r, err)
				return
			default:
				ctx = authz.WithActor(ctx, actor)
				if actor.Language != "" {
					lang = actor.Language
				}
			}
		}
		next.ServeHTTP(w, r.WithContext(i18n.WithLang(ctx, lang)))
	})
}

// guard enforces a route's declared access. Anonymous requests go to the sign-in page; refusals are
// audited and answered 403 before the handler runs.
func (s *Server) guard(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.Access.kind == accessPublic {
			rt.Handler(w, r)
			return
		}
		actor, ok := authz.ActorFrom(r.Context())
		if !ok {
			s.toSignIn(w, r)
			return
		}
		allowed := rt.Access.kind == accessAnyUser ||
			(rt.Access.kind == accessAdmin && actor.IsAdmin) ||
			(rt.Access.kind == accessPermission && rt.Access.allows(actor))
		if !allowed {
			if err := s.Users.RecordDenied(r.Context(), rt.Method+" "+rt.Pattern, rt.Access.String()); err != nil {
				s.fail(w, r, err)
				return
			}
			s.renderError(w, r, http.StatusForbidden, missingText(r.Context(), rt.Access, actor))
			return
		}
		rt.Handler(w, r)
	})
}

// toSignIn sends an anonymous visitor to the sign-in page, remembering the path (never the query) of a
// page they asked for.
func (s *Server) toSignIn(w http.ResponseWriter, r *http.Request) {
	target := "/signin"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + urlQueryEscape(r.URL.Path)
	}
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// clientAddr is the client's address for sign-in throttling: the connection's peer, or behind a trusted
// proxy the last address it appended to X-Forwarded-For.
func (s *Server) clientAddr(r *http.Request) string {
	addr := ""
	if s.Config.TrustProxy {
		// The proxy appends the address it saw, possibly as a header line of its own: take the last entry
		// of the last line; everything before it came from the client and may be forged.
		if lines := r.Header.Values("X-Forwarded-For"); len(lines) > 0 {
			parts := strings.Split(lines[len(lines)-1], ",")
			addr = strings.TrimSpace(parts[len(parts)-1])
		}
	}
	if addr == "" {
		addr = r.RemoteAddr
		if host, _, err := net.SplitHostPort(addr); err == nil {
			addr = host
		}
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is6() {
		// One IPv6 host commonly has a whole /64; count it as one client.
		prefix, _ := ip.Prefix(64)
		return prefix.String()
	}
	return ip.String()
}

// missingPermissions names, in quotes and the reader's language, the permissions of a that actor lacks.
func missingPermissions(ctx context.Context, a Access, actor authz.Actor) []string {
	var names []string
	for _, p := range a.Permissions() {
		if !actor.Can(p) {
			names = append(names, "”"+i18n.T(ctx, p.LabelKey())+"”")
		}
	}
	return names
}

// missingText tells a refused user what they lack for a route, so they know what to ask an administrator for.
func missingText(ctx context.Context, a Access, actor authz.Actor) string {
	if a.kind == accessAdmin {
		return i18n.T(ctx, "error.forbidden.admin")
	}
	names := missingPermissions(ctx, a, actor)
	if len(names) == 0 && len(a.oneOf) > 0 && !actor.CanAny(a.oneOf...) { // NeedsAndAny: one of oneOf is missing
		a, names = Access{kind: accessPermission, perms: a.oneOf, anyOf: true}, nil
		for _, p := range a.perms {
			names = append(names, "”"+i18n.T(ctx, p.LabelKey())+"”")
		}
	}
	if len(names) == 0 {
		return ""
	}
	if a.anyOf {
		return i18n.Tf(ctx, "error.forbidden.any", strings.Join(names, ", "))
	}
	return i18n.N(ctx, "error.forbidden.missing", len(names), strings.Join(names, ", "))
}
