// Package server is Affär's HTTP layer: the route table, middleware, thin handlers and the mapping of
// errors to status codes.
package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/chi/v5"

	"github.com/affar/affar/internal/config"
	"github.com/affar/affar/internal/pace"
)

// Deps are the services the handlers call (their interfaces are in services.go) and what they run with.
type Deps struct {
	Config      config.Config
	Log         *slog.Logger
	Sessions    *scs.SessionManager
	Users       Users
	Customers   Customers
	Suppliers   Suppliers
	Quotes      Quotes
	QuoteDocs   QuoteDocuments
	Settings    Settings
	Audit       AuditLog
	GDPR        GDPR
	Erasures    Erasures
	Bulk        BulkJobs
	Rules       RetentionRules
	Imports     CustomerImports
	Exports     Exports
	Outbox      Outbox
	Agreement   Agreements
	ChainChecks ChainChecks
	Records     Records
	Requests    Requests
	// RequestExports exports the register of requests (export.Service, like Exports).
	RequestExports RequestExports
	DB             Pinger
	Now            func() time.Time
	// Demand counts the requests being answered, for bulk work to give way to (nil: not counted).
	Demand *pace.Gauge
}

// Server holds the dependencies of the handlers.
type Server struct {
	Deps
	router chi.Router
	limits *rateLimits
}

// New builds the server and its router from the route table; a table entry without a proper access
// declaration is an error.
func New(d Deps) (*Server, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	s := &Server{Deps: d, limits: newRateLimits(d.Config.RateLimit, d.Config.RateBurst, d.Config.RateParallel)}
	s.Sessions.ErrorFunc = s.sessionFailed
	r, err := s.newRouter()
	if err != nil {
		return nil, err
	}
	s.router = r
	return s, nil
}

// Routes returns the route table (for the route tests).
func (s *Server) Routes() []Route { return s.routes() }

// Router returns the router built from the table (for the route tests).
func (s *Server) Router() chi.Router { return s.router }

// ServeHTTP serves a request through the middleware and the router.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// sessionFailed answers a session that could not be loaded or saved like any other failure: the 500 page,
// logged once, and nothing for a client that went away (scs would log it again, to the standard logger).
func (s *Server) sessionFailed(w http.ResponseWriter, r *http.Request, err error) {
	s.fail(w, r, fmt.Errorf("session: %w", err))
}

// NewSessions configures the session manager: cookie names and flags follow whether the app is served
// over HTTPS; the idle timeout and absolute lifetime come from the configuration.
func NewSessions(cfg config.Config, store scs.Store) *scs.SessionManager {
	sm := scs.New()
	sm.Store = store
	// The idle timeout is enforced on the server-side session record (user service), not by scs: scs
	// would rewrite the session on every request to move its expiry.
	sm.Lifetime = cfg.SessionLifetime
	sm.HashTokenInStore = true
	sm.Cookie.Name = cfg.CookieName("affar_session")
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	sm.Cookie.Persist = false
	sm.Cookie.Secure = cfg.Secure()
	return sm
}
