package server

// The services the handlers call, each as the consumer sees it: only the methods its handlers use, so a
// handler's dependencies are read here and a test double implements no more than that. (BulkJobs sits
// beside the bulk erasure handlers in crm.go.)

import (
	"context"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/customer"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/export"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/quotedoc"
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
	List(ctx context.Context, search string) ([]domain.UserSummary, error)
	Get(ctx context.Context, id domain.UserID) (user.Account, []authz.Permission, error)
	ChangePermissions(ctx context.Context, id domain.UserID, grant, revoke []authz.Permission) (user.PermissionChange, error)
	Invite(ctx context.Context, in user.Details, admin bool, origin string) (domain.UserID, user.Link, error)
	UpdateDetails(ctx context.Context, id domain.UserID, in user.Details) error
	IssueLink(ctx context.Context, id domain.UserID, origin string) (user.Link, user.Account, error)
	SetActive(ctx context.Context, id domain.UserID, active bool) error
	Erase(ctx context.Context, id domain.UserID) error
	SetAdmin(ctx context.Context, id domain.UserID, admin bool) error
	LinkUser(ctx context.Context, token string) (domain.User, string, error)
	SetPasswordByLink(ctx context.Context, token, plain, repeat string) error
	ChangeOwnPassword(ctx context.Context, current, plain, repeat, keep string) error
	UpdateOwnProfile(ctx context.Context, name, lang string) error
	Holders(ctx context.Context) (map[authz.Permission][]domain.User, []domain.User, error)
}

// Customers is what the server needs of the customer register.
type Customers interface {
	List(ctx context.Context, f domain.CustomerFilter) (domain.CustomerPage, error)
	View(ctx context.Context, id domain.CustomerID) (customer.Detail, error)
	AccessLog(ctx context.Context, id domain.CustomerID, q customer.AccessQuery) (customer.AccessPage, error)
	ForEdit(ctx context.Context, id domain.CustomerID) (domain.Customer, error)
	Create(ctx context.Context, in domain.CustomerInput, consent customer.NewConsent, confirmErased bool) (domain.Customer, error)
	Rectify(ctx context.Context, id domain.CustomerID, in domain.CustomerInput, version int64, onRequest string) (domain.Customer, int64, error)
	AddContact(ctx context.Context, id domain.CustomerID, in domain.ContactInput) error
	RemoveContact(ctx context.Context, id domain.CustomerID, contactID int64) error
	SetConsent(ctx context.Context, id domain.CustomerID, given bool, source string) error
	ConsentLiftingObjection(ctx context.Context, id domain.CustomerID, source string) error
	RecordObjection(ctx context.Context, id domain.CustomerID, in customer.ObjectionInput) error
	AddCreditReport(ctx context.Context, id domain.CustomerID, in customer.CreditReportInput) error
	Segment(ctx context.Context, sq domain.SegmentQuery) (domain.SegmentPage, error)
	IdentityNumber(ctx context.Context, id domain.CustomerID) (string, error)
	ForRestriction(ctx context.Context, id domain.CustomerID) (domain.Customer, error)
	Restrict(ctx context.Context, id domain.CustomerID, in customer.RestrictInput) error
	Lift(ctx context.Context, id domain.CustomerID) error
}

// Suppliers is what the server needs of the supplier service.
type Suppliers interface {
	List(ctx context.Context, search string, r domain.ListRequest) (supplier.Page, error)
	View(ctx context.Context, id domain.SupplierID) (supplier.Detail, error)
	ForEdit(ctx context.Context, id domain.SupplierID) (domain.Supplier, error)
	Create(ctx context.Context, in domain.SupplierInput) (domain.Supplier, error)
	Update(ctx context.Context, id domain.SupplierID, in domain.SupplierInput, version int) error
	Delete(ctx context.Context, id domain.SupplierID) error
	Anonymise(ctx context.Context, id domain.SupplierID) error
	AddContact(ctx context.Context, id domain.SupplierID, in domain.ContactInput) error
	RemoveContact(ctx context.Context, id domain.SupplierID, contactID int64) error
}

// Quotes is what the server needs of the quote service.
type Quotes interface {
	Create(ctx context.Context, customer domain.CustomerID, in domain.QuoteInput) (domain.Quote, error)
	Update(ctx context.Context, id domain.QuoteID, in domain.QuoteInput, version int) error
	SetStatus(ctx context.Context, id domain.QuoteID, next domain.QuoteStatus) error
	View(ctx context.Context, id domain.QuoteID) (domain.Quote, domain.Customer, error)
	ForEdit(ctx context.Context, id domain.QuoteID) (domain.Quote, domain.Customer, error)
	Recent(ctx context.Context, seg domain.Segment, status domain.QuoteStatus) ([]domain.QuoteSummary, error)
	Preview(ctx context.Context, lines []domain.QuoteLineInput) (domain.QuotePreview, error)
	List(ctx context.Context, f domain.QuoteFilter) (domain.QuotePage, error)
}

// Settings is what the server needs for company-wide settings.
type Settings interface {
	Retention(ctx context.Context) (domain.Retention, error)
	SetRetention(ctx context.Context, r domain.Retention, belowLawConfirmed bool) error
	Company(ctx context.Context) (domain.CompanyDetails, error)
	SetCompany(ctx context.Context, in domain.CompanyInput) error
}

// QuoteDocuments is what the server needs to print and e-mail quotes.
type QuoteDocuments interface {
	PDF(ctx context.Context, id domain.QuoteID) (quotedoc.PDF, error)
	EmailForm(ctx context.Context, id domain.QuoteID) (quotedoc.EmailForm, error)
	Email(ctx context.Context, id domain.QuoteID, in quotedoc.EmailInput) (bool, error)
}

// GDPR is what the server needs to erase and export customers.
type GDPR interface {
	Overview(ctx context.Context) (domain.PrivacyOverview, error)
	Preview(ctx context.Context, id domain.CustomerID, kind domain.ErasureKind) (gdpr.Plan, error)
	Anonymise(ctx context.Context, id domain.CustomerID, in gdpr.Input) (domain.Erasure, error)
	Delete(ctx context.Context, id domain.CustomerID, in gdpr.Input) (domain.Erasure, error)
	Export(ctx context.Context, id domain.CustomerID, format, onRequest string) (gdpr.Export, error)
	Texts(ctx context.Context) (map[string]string, error)
	SetTexts(ctx context.Context, texts map[string]string) error
	LedgerWritable() error
}

// Erasures is what the server needs to show the erasure register.
type Erasures interface {
	Page(ctx context.Context, r domain.ListRequest) (domain.ListPage[domain.Erasure], error)
	Walk(ctx context.Context, fn func(domain.Erasure) error) error
}

// Exports is what the server needs to let personal data leave: register, e-mail addresses, labels.
type Exports interface {
	Register(ctx context.Context, req export.Request, format string, sink export.Sink) error
	Emails(ctx context.Context, req export.Request, consentOnly bool, sink export.Sink) error
	Labels(ctx context.Context, req export.Request, sink export.Sink) error
	Objected(ctx context.Context, seg domain.Segment) (int, error)
	AuditLog(ctx context.Context, f domain.AuditFilter, filters []string, row func(audit.Entry) error) error
}

// Outbox is what the server needs to show queued mail.
type Outbox interface {
	Page(ctx context.Context) ([]domain.OutboxMessage, error)
	Attachment(ctx context.Context, id int64, position int) (domain.Attachment, error)
	Configured() bool
}

// Agreements is what the server needs for the data processing agreement.
// ChainChecks is the daily check of the audit chain (chainwatch.Service).
type ChainChecks interface {
	Latest(ctx context.Context) (domain.ChainCheck, bool, error)
}

type Agreements interface {
	Accept(ctx context.Context) (int, error)
	History(ctx context.Context) ([]domain.Agreement, error)
}

// AuditLog is what the server needs to show the audit log.
type AuditLog interface {
	Page(ctx context.Context, r domain.ListRequest, f domain.AuditFilter) (domain.ListPage[audit.Entry], error)
}

// Pinger reports whether the database answers (readiness).
type Pinger interface {
	Ping(ctx context.Context) error
}
