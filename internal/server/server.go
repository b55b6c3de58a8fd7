// Package server is Affär's HTTP layer: the route table, middleware, thin handlers and the mapping of
// errors to status codes.
package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/chi/v5"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/config"
	"github.com/affar/affar/internal/customer"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/export"
	"github.com/affar/affar/internal/supplier"
	"github.com/affar/affar/internal/user"
)

// Users is what the server needs of the user service.
type Users interface {
	SignIn(ctx context.Context, c user.Credentials) (user.Session, error)
	SignedOut(ctx context.Context, sessionID string) error
	Actor(ctx context.Context, sessionID string) (authz.Actor, error)
	RecordDenied(ctx context.Context, route, perm string) error
	SetLanguage(ctx context.Context, lang string) error
	List(ctx context.Context) ([]domain.UserSummary, error)
	Get(ctx context.Context, id domain.UserID) (domain.User, []authz.Permission, error)
	SetPermissions(ctx context.Context, id domain.UserID, grant, revoke []authz.Permission) error
	Invite(ctx context.Context, in user.Details, admin bool, origin string) (domain.UserID, user.Link, error)
	UpdateDetails(ctx context.Context, id domain.UserID, in user.Details) error
	IssueLink(ctx context.Context, id domain.UserID, origin string) (user.Link, domain.User, error)
	SetActive(ctx context.Context, id domain.UserID, active bool) error
	SetAdmin(ctx context.Context, id domain.UserID, admin bool) error
	LinkUser(ctx context.Context, token string) (domain.User, string, error)
	SetPasswordByLink(ctx context.Context, token, plain, repeat string) error
	ChangeOwnPassword(ctx context.Context, current, plain, repeat, keep string) error
	UpdateOwnProfile(ctx context.Context, name, lang string) error
	Holders(ctx context.Context) (map[authz.Permission][]domain.User, []domain.User, error)
}

// Exports is what the server needs to let personal data leave: register, e-mail addresses, labels.
type Exports interface {
	Register(ctx context.Context, req export.Request, format string, sink export.Sink) error
	Emails(ctx context.Context, req export.Request, consentOnly bool, sink export.Sink) error
	Labels(ctx context.Context, req export.Request, sink export.Sink) error
}

// Outbox is what the server needs to show queued mail.
type Outbox interface {
	Page(ctx context.Context) ([]domain.OutboxMessage, error)
	Configured() bool
}

// Agreements is what the server needs for the data processing agreement.
type Agreements interface {
	Publish(ctx context.Context, version, body string) (int64, error)
	History(ctx context.Context) ([]domain.Agreement, error)
}

// Customers is what the server needs of the customer register.
type Customers interface {
	List(ctx context.Context, f domain.CustomerFilter) (domain.CustomerPage, error)
	View(ctx context.Context, id domain.CustomerID) (customer.Detail, error)
	ForEdit(ctx context.Context, id domain.CustomerID) (domain.Customer, error)
	Create(ctx context.Context, in domain.CustomerInput, consent customer.NewConsent, confirmErased bool) (domain.Customer, error)
	Update(ctx context.Context, id domain.CustomerID, in domain.CustomerInput, version int64) (domain.Customer, error)
	AddContact(ctx context.Context, id domain.CustomerID, in domain.ContactInput) error
	RemoveContact(ctx context.Context, id domain.CustomerID, contactID int64) error
	SetConsent(ctx context.Context, id domain.CustomerID, given bool, source string) error
	AddCreditReport(ctx context.Context, id domain.CustomerID, in customer.CreditReportInput) error
	Segment(ctx context.Context, s domain.Segment, after domain.CustomerID) (domain.SegmentPage, error)
}

// Suppliers is what the server needs of the supplier service.
type Suppliers interface {
	List(ctx context.Context, search string, after, before domain.SupplierID) (supplier.Page, error)
	View(ctx context.Context, id domain.SupplierID) (supplier.Detail, error)
	ForEdit(ctx context.Context, id domain.SupplierID) (domain.Supplier, error)
	Create(ctx context.Context, in domain.SupplierInput) (domain.Supplier, error)
	Update(ctx context.Context, id domain.SupplierID, in domain.SupplierInput, version int) error
	Delete(ctx context.Context, id domain.SupplierID) error
	AddContact(ctx context.Context, id domain.SupplierID, in domain.ContactInput) error
	RemoveContact(ctx context.Context, id domain.SupplierID, contactID int64) error
}

// Quotes is what the server needs of the quote service.
type Quotes interface {
	Create(ctx context.Context, customer domain.CustomerID, in domain.QuoteInput) (domain.Quote, error)
	Update(ctx context.Context, id domain.QuoteID, in domain.QuoteInput, version int) error
	SetStatus(ctx context.Context, id domain.QuoteID, next domain.QuoteStatus) error
	Get(ctx context.Context, id domain.QuoteID) (domain.Quote, error)
	ForCustomer(ctx context.Context, id domain.CustomerID) ([]domain.Quote, domain.CustomerHold, domain.Retention, error)
	Recent(ctx context.Context, status domain.QuoteStatus) ([]domain.QuoteSummary, error)
}

// Settings is what the server needs for company-wide settings.
type Settings interface {
	Retention(ctx context.Context) (domain.Retention, error)
	SetRetention(ctx context.Context, r domain.Retention, belowLawConfirmed bool) error
}

// AuditLog is what the server needs to show the audit log.
type AuditLog interface {
	Page(ctx context.Context, before int64, limit int) ([]audit.Entry, error)
}

// Pinger reports whether the database answers (readiness).
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps are the services the handlers call.
type Deps struct {
	Config    config.Config
	Log       *slog.Logger
	Sessions  *scs.SessionManager
	Users     Users
	Customers Customers
	Suppliers Suppliers
	Quotes    Quotes
	Settings  Settings
	Audit     AuditLog
	GDPR      GDPR
	Erasures  Erasures
	Bulk      BulkJobs
	Exports   Exports
	Outbox    Outbox
	Agreement Agreements
	DB        Pinger
	Now       func() time.Time
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
	s := &Server{Deps: d, limits: newRateLimits(d.Config.RateLimit, d.Config.RateBurst)}
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
