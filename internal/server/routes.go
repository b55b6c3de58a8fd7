package server

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/customer"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
)

type accessKind int

const (
	accessUndeclared accessKind = iota // the zero value: a route without a declaration fails the route test
	accessPublic
	accessAnyUser
	accessAdmin
	accessPermission
)

// Access is what a route demands of the requester.
type Access struct {
	kind   accessKind
	perms  []authz.Permission // all of them are needed (any one of them, when anyOf)
	anyOf  bool
	oneOf  []authz.Permission // besides perms, one of these is needed
	reason string
}

// Public routes need no sign-in; reason says why that is safe.
func Public(reason string) Access { return Access{kind: accessPublic, reason: reason} }

// AnyUser routes need a signed-in user and nothing more; reason says why no permission applies.
func AnyUser(reason string) Access { return Access{kind: accessAnyUser, reason: reason} }

// Admin routes are for admin users only (granting permissions).
func Admin(reason string) Access { return Access{kind: accessAdmin, reason: reason} }

// Needs demands every permission listed (admins hold every permission). Pages that show a customer's data
// to change it need "view customer" as well as the change permission.
func Needs(p ...authz.Permission) Access { return Access{kind: accessPermission, perms: p} }

// NeedsAny demands one of the permissions listed: a page that those doing either job read.
func NeedsAny(p ...authz.Permission) Access {
	return Access{kind: accessPermission, perms: p, anyOf: true}
}

// NeedsAndAny demands every permission of all and one of oneOf: an action that those doing either of two
// jobs take on a page they must see (customer.view, and customer.edit or privacy.manage).
func NeedsAndAny(all []authz.Permission, oneOf ...authz.Permission) Access {
	return Access{kind: accessPermission, perms: all, oneOf: oneOf}
}

// OneOf are the permissions of which one is needed besides Permissions (NeedsAndAny), if any.
func (a Access) OneOf() []authz.Permission { return a.oneOf }

// AnyOf reports whether one of Permissions is enough.
func (a Access) AnyOf() bool { return a.anyOf }

// Kind is "public", "any user", "admin" or "permission".
func (a Access) Kind() string {
	if a.kind == accessPermission {
		return "permission"
	}
	return a.String()
}

// Permissions are the permissions a route needs, if it needs any.
func (a Access) Permissions() []authz.Permission { return a.perms }

// allows reports whether actor may use a route that needs permissions.
func (a Access) allows(actor authz.Actor) bool {
	if len(a.oneOf) > 0 && !actor.CanAny(a.oneOf...) {
		return false
	}
	for _, p := range a.perms {
		if actor.Can(p) == a.anyOf {
			return a.anyOf
		}
	}
	return len(a.perms) > 0 && !a.anyOf
}

func (a Access) String() string {
	switch a.kind {
	case accessPublic:
		return "public"
	case accessAnyUser:
		return "any user"
	case accessAdmin:
		return "admin"
	case accessPermission:
		names := make([]string, len(a.perms))
		for i, p := range a.perms {
			names[i] = string(p)
		}
		if a.anyOf {
			return strings.Join(names, "|")
		}
		if len(a.oneOf) > 0 {
			return strings.Join(names, "+") + "+(" + Access{kind: accessPermission, perms: a.oneOf, anyOf: true}.String() + ")"
		}
		return strings.Join(names, "+")
	}
	return "undeclared"
}

// Route is one line of the route table.
type Route struct {
	Method  string
	Pattern string
	Access  Access
	Handler http.HandlerFunc
}

// routes is the single route table: every route Affär serves, with what it demands.
func (s *Server) routes() []Route {
	return []Route{
		{"GET", "/healthz", Public("liveness probe; answers ok and nothing else"), s.healthz},
		{"GET", "/readyz", Public("readiness probe; says only whether the database answers and the erasure ledger can be written"), s.readyz},
		{"GET", "/static/*", Public("stylesheet and scripts, no data"), s.staticFiles()},
		{"GET", "/signin", Public("the way in"), s.signInPage},
		{"POST", "/signin", Public("the way in; throttled per account and client"), s.signIn},
		{"POST", "/signout", AnyUser("everyone may end their own session"), s.signOut},
		{"GET", "/", AnyUser("start page; shows only the user's own permissions"), s.dashboard},
		{"POST", "/language", AnyUser("a user's own interface language"), s.setLanguage},
		{"GET", "/audit", Needs(authz.AuditView), s.auditLog},
		{"GET", "/audit.csv", Needs(authz.AuditView), s.auditCSV},
		{"GET", "/customers", Needs(authz.CustomerView), s.customerList},
		// Importing customers: a preview first, then a durable job; updating duplicates needs customer.edit too.
		{"GET", "/customers/import", Needs(authz.CustomerCreate), s.importForm},
		{"POST", "/customers/import", Needs(authz.CustomerCreate), s.importUpload},
		{"GET", "/customers/import/{id}", Needs(authz.CustomerCreate), s.importPage},
		{"POST", "/customers/import/{id}/confirm", Needs(authz.CustomerCreate), s.importConfirm},
		{"GET", "/customers/new", Needs(authz.CustomerCreate), s.customerNew},
		{"POST", "/customers", Needs(authz.CustomerCreate), s.customerCreate},
		{"GET", "/customers/{id}", Needs(authz.CustomerView), s.customerShow},
		{"GET", "/customers/{id}/access", Needs(authz.AuditView, authz.CustomerView), s.customerAccess},
		// The full personnummer behind the customer page's "Visa", audited (customer.identity_viewed).
		{"POST", "/customers/{id}/identity", Needs(authz.CustomerView, authz.CustomerViewIdentity), s.customerIdentity},
		{"GET", "/customers/{id}/edit", Needs(authz.CustomerEdit, authz.CustomerView), s.customerEdit},
		{"POST", "/customers/{id}", Needs(authz.CustomerEdit, authz.CustomerView), s.customerUpdate},
		{"POST", "/customers/{id}/contacts", Needs(authz.CustomerEdit, authz.CustomerView), s.contactAdd},
		{"POST", "/customers/{id}/contacts/{contactID}/delete", Needs(authz.CustomerEdit, authz.CustomerView), s.contactRemove},
		{"POST", "/customers/{id}/consent", Needs(authz.CustomerEdit, authz.CustomerView), s.consentSet},
		{"GET", "/customers/{id}/objection", NeedsAndAny([]authz.Permission{authz.CustomerView}, customer.ObjectionPermissions...), s.objectionConfirm},
		{"POST", "/customers/{id}/objection", NeedsAndAny([]authz.Permission{authz.CustomerView}, customer.ObjectionPermissions...), s.objectionRecord},
		{"POST", "/customers/{id}/credit-reports", Needs(authz.CreditReportAccess, authz.CustomerView), s.creditReportAdd},
		// Restriction of processing (art. 18): a confirmation page, then the change; the data protection officer's.
		{"GET", "/customers/{id}/restrict", Needs(authz.PrivacyManage, authz.CustomerView), s.restrictConfirm(false)},
		{"POST", "/customers/{id}/restrict", Needs(authz.PrivacyManage, authz.CustomerView), s.restrictPost},
		{"GET", "/customers/{id}/unrestrict", Needs(authz.PrivacyManage, authz.CustomerView), s.restrictConfirm(true)},
		{"POST", "/customers/{id}/unrestrict", Needs(authz.PrivacyManage, authz.CustomerView), s.unrestrictPost},
		{"GET", "/customers/{id}/delete", Needs(authz.CustomerDelete, authz.CustomerView), s.erasureConfirm(domain.EraseDelete)},
		{"POST", "/customers/{id}/delete", Needs(authz.CustomerDelete, authz.CustomerView), s.erasurePost(domain.EraseDelete)},
		{"GET", "/customers/{id}/anonymise", Needs(authz.CustomerAnonymise, authz.CustomerView), s.erasureConfirm(domain.EraseAnonymise)},
		{"POST", "/customers/{id}/anonymise", Needs(authz.CustomerAnonymise, authz.CustomerView), s.erasurePost(domain.EraseAnonymise)},
		// A subject-access copy is complete or not made: it needs every right that hides a category.
		{"GET", "/customers/{id}/export", Needs(gdpr.CopyPermissions...), s.subjectExportPage},
		{"GET", "/customers/{id}/export.json", Needs(gdpr.CopyPermissions...), s.subjectExportJSON},
		{"GET", "/customers/{id}/export.zip", Needs(gdpr.CopyPermissions...), s.subjectExportZIP},
		{"GET", "/crm", Needs(authz.CustomerView), s.crmPage},
		{"POST", "/crm/bulk", Needs(authz.CustomerBulkErase, authz.CustomerView), s.bulkDraft},
		// Ticks are ids kept in the user's own session for the screen's bulk job and labels of the ticked.
		{"POST", "/crm/ticks", Needs(authz.CustomerView), s.crmTicks},
		{"GET", "/bulk-jobs", Needs(authz.CustomerBulkErase), s.bulkJobs},
		{"GET", "/bulk-jobs/{id}", Needs(authz.CustomerBulkErase), s.bulkJob},
		{"GET", "/bulk-jobs/{id}/progress", Needs(authz.CustomerBulkErase), s.bulkProgress},
		{"POST", "/bulk-jobs/{id}/confirm", Needs(authz.CustomerBulkErase, authz.CustomerView), s.bulkConfirm},
		{"POST", "/bulk-jobs/{id}/cancel", Needs(authz.CustomerBulkErase), s.bulkCancel},
		{"GET", "/erasures", Needs(authz.AuditView), s.erasureRegister},
		{"GET", "/erasures.csv", Needs(authz.AuditView), s.erasureCSV},
		{"GET", "/customers/{id}/quotes/new", Needs(authz.CustomerEdit, authz.CustomerView), s.quoteNew},
		{"POST", "/customers/{id}/quotes", Needs(authz.CustomerEdit, authz.CustomerView), s.quoteCreate},
		{"GET", "/quotes", Needs(authz.CustomerView), s.quoteList},
		{"POST", "/quotes/lines", Needs(authz.CustomerEdit, authz.CustomerView), s.quoteLines},
		{"POST", "/quotes/preview", Needs(authz.CustomerEdit, authz.CustomerView), s.quotePreview},
		{"GET", "/quotes/{id}", Needs(authz.CustomerView), s.quoteShow},
		{"GET", "/quotes/{id}/edit", Needs(authz.CustomerEdit, authz.CustomerView), s.quoteEdit},
		{"POST", "/quotes/{id}", Needs(authz.CustomerEdit, authz.CustomerView), s.quoteUpdate},
		{"POST", "/quotes/{id}/status", Needs(authz.CustomerEdit, authz.CustomerView), s.quoteStatus},
		{"GET", "/quotes/{id}/send", Needs(authz.CustomerEdit, authz.CustomerView), s.quoteSendConfirm},
		{"GET", "/quotes/{id}/pdf", Needs(authz.CustomerView), s.quotePDF},
		{"GET", "/quotes/{id}/email", Needs(authz.CustomerEdit, authz.CustomerView), s.quoteEmailForm},
		{"POST", "/quotes/{id}/email", Needs(authz.CustomerEdit, authz.CustomerView), s.quoteEmail},
		{"GET", "/suppliers", Needs(authz.SupplierView), s.supplierList},
		{"GET", "/suppliers/new", Needs(authz.SupplierCreate), s.supplierNew},
		{"POST", "/suppliers", Needs(authz.SupplierCreate), s.supplierCreate},
		{"GET", "/suppliers/{id}", Needs(authz.SupplierView), s.supplierShow},
		{"GET", "/suppliers/{id}/edit", Needs(authz.SupplierEdit, authz.SupplierView), s.supplierEdit},
		{"POST", "/suppliers/{id}", Needs(authz.SupplierEdit, authz.SupplierView), s.supplierUpdate},
		{"POST", "/suppliers/{id}/delete", Needs(authz.SupplierDelete, authz.SupplierView), s.supplierDelete},
		{"POST", "/suppliers/{id}/anonymise", Needs(authz.SupplierDelete, authz.SupplierView), s.supplierAnonymise},
		{"POST", "/suppliers/{id}/contacts", Needs(authz.SupplierEdit, authz.SupplierView), s.supplierContactAdd},
		{"POST", "/suppliers/{id}/contacts/{contactID}/delete", Needs(authz.SupplierEdit, authz.SupplierView), s.supplierContactRemove},
		{"GET", "/privacy", Needs(authz.PrivacyManage), s.privacyTextsPage},
		{"POST", "/privacy", Needs(authz.PrivacyManage), s.privacyTextsSave},
		// The record of processing activities: read by auditors, its texts written by data protection.
		{"GET", "/privacy/records", NeedsAny(authz.PrivacyReaders...), s.recordsPage},
		{"GET", "/privacy/records.pdf", NeedsAny(authz.PrivacyReaders...), s.recordsPDF},
		{"GET", "/privacy/records/versions/{n}", NeedsAny(authz.PrivacyReaders...), s.recordsVersionPage},
		{"GET", "/privacy/records/edit", Needs(authz.PrivacyManage), s.recordsEdit},
		{"POST", "/privacy/records", Needs(authz.PrivacyManage), s.recordsSave},
		// Retention rules (storage limitation, art. 5(1)(e)): data protection's alone; a run erases through
		// the bulk engine as the rule, whoever started it.
		{"GET", "/privacy/rules", Needs(authz.PrivacyManage), s.rulesPage},
		{"GET", "/privacy/rules/{id}", Needs(authz.PrivacyManage), s.rulePage},
		{"POST", "/privacy/rules/{id}", Needs(authz.PrivacyManage), s.ruleSave},
		{"POST", "/privacy/rules/{id}/run", Needs(authz.PrivacyManage), s.ruleRun},
		{"POST", "/privacy/rules/runs/{id}/approve", Needs(authz.PrivacyManage), s.ruleApprove},
		// The register of data subjects' requests and its clock (art. 12(3)): data protection's alone.
		{"GET", "/requests", Needs(authz.PrivacyManage), s.requestList},
		{"GET", "/requests.csv", Needs(authz.PrivacyManage), s.requestCSV},
		{"GET", "/requests/new", Needs(authz.PrivacyManage), s.requestNew},
		{"POST", "/requests", Needs(authz.PrivacyManage), s.requestCreate},
		{"POST", "/requests/retention", Needs(authz.PrivacyManage), s.requestRetention},
		{"GET", "/requests/{id}", Needs(authz.PrivacyManage), s.requestShow},
		{"POST", "/requests/{id}", Needs(authz.PrivacyManage), s.requestUpdate},
		{"POST", "/requests/{id}/extend", Needs(authz.PrivacyManage), s.requestExtend},
		{"POST", "/requests/{id}/identity", Needs(authz.PrivacyManage), s.requestIdentify},
		{"POST", "/requests/{id}/customers", Needs(authz.PrivacyManage), s.requestCustomer},
		{"POST", "/requests/{id}/no-data", Needs(authz.PrivacyManage), s.requestNoData},
		{"POST", "/requests/{id}/actions", Needs(authz.PrivacyManage), s.requestAction},
		{"GET", "/requests/{id}/letter", Needs(authz.PrivacyManage), s.requestLetter},
		{"POST", "/requests/{id}/letter", Needs(authz.PrivacyManage), s.requestLetterSend},
		{"GET", "/requests/{id}/letters/{letter}", Needs(authz.PrivacyManage), s.requestLetterPDF},
		{"GET", "/settings", Admin("company-wide settings such as the bookkeeping retention"), s.settingsPage},
		{"POST", "/settings", Admin("company-wide settings such as the bookkeeping retention"), s.settingsSave},
		{"POST", "/settings/company", Admin("the company's own details, printed on quotes"), s.settingsCompanySave},
		{"GET", "/users", Needs(authz.UserView), s.userList},
		{"GET", "/users/new", Needs(authz.UserView, authz.UserEdit), s.userNew},
		{"POST", "/users", Needs(authz.UserView, authz.UserEdit), s.userCreate},
		{"GET", "/users/{id}", Needs(authz.UserView), s.userPage},
		{"POST", "/users/{id}", Needs(authz.UserView, authz.UserEdit), s.userUpdate},
		{"POST", "/users/{id}/password-link", Needs(authz.UserView, authz.UserEdit), s.userLink},
		{"POST", "/users/{id}/deactivate", Needs(authz.UserView, authz.UserEdit), s.userSetActive(false)},
		{"POST", "/users/{id}/activate", Needs(authz.UserView, authz.UserEdit), s.userSetActive(true)},
		{"POST", "/users/{id}/admin", Admin("only admins make or unmake admins"), s.userSetAdmin},
		{"POST", "/users/{id}/erase", Admin("only admins erase a departed user"), s.userErase},
		{"POST", "/users/{id}/permissions", Admin("only admins grant or revoke permissions"), s.setPermissions},
		{"GET", "/permissions", Needs(authz.UserView), s.permissionSummary},
		{"GET", "/profile", AnyUser("a user's own name, language and password"), s.profilePage},
		{"POST", "/profile", AnyUser("a user's own name and language"), s.profileSave},
		{"POST", "/profile/password", AnyUser("a user's own password, after the current one is entered"), s.profilePassword},
		{"GET", "/password/{token}", Public("an invitation or reset link: the unguessable token is the credential"), s.passwordPage},
		{"POST", "/password/{token}", Public("an invitation or reset link: the unguessable token is the credential"), s.passwordSet},
		{"POST", "/exports/register.csv", Needs(authz.CustomerView, authz.CustomerExport), s.exportRegisterCSV},
		{"POST", "/exports/register.xlsx", Needs(authz.CustomerView, authz.CustomerExport), s.exportRegisterXLSX},
		{"POST", "/exports/emails.csv", Needs(authz.CustomerView, authz.CustomerExportEmail), s.exportEmails},
		{"POST", "/exports/labels.pdf", Needs(authz.CustomerView, authz.CustomerPrintLabels), s.exportLabels},
		{"GET", "/agreement", Needs(authz.AuditView), s.agreementPage},
		{"POST", "/agreement/accept", Admin("admins are the ones the agreement is sent to and who accept it"), s.agreementAccept},
		{"GET", "/outbox", Admin("e-mail to users and admins, with invitation links"), s.outboxPage},
		{"GET", "/outbox/{id}/attachments/{position}", Admin("a file kept with a message on the outbox page, to pass on"), s.outboxAttachment},
	}
}

// validate rejects a table entry whose access is not declared properly.
func (rt Route) validate() error {
	switch rt.Access.kind {
	case accessPublic, accessAnyUser, accessAdmin:
		if rt.Access.reason == "" {
			return fmt.Errorf("%s %s: %s access needs a reason", rt.Method, rt.Pattern, rt.Access)
		}
	case accessPermission:
		if len(rt.Access.perms) == 0 {
			return fmt.Errorf("%s %s: no permission declared", rt.Method, rt.Pattern)
		}
		for _, p := range rt.Access.perms {
			if !authz.Known(p) {
				return fmt.Errorf("%s %s: unknown permission %q", rt.Method, rt.Pattern, p)
			}
		}
	default:
		return fmt.Errorf("%s %s: no permission declared", rt.Method, rt.Pattern)
	}
	if rt.Handler == nil {
		return fmt.Errorf("%s %s: no handler", rt.Method, rt.Pattern)
	}
	return nil
}

// newRouter builds the router by looping over the route table; nothing is routed outside it.
func (s *Server) newRouter() (chi.Router, error) {
	r := chi.NewRouter()
	if s.Demand != nil {
		r.Use(s.Demand.Counting(probe))
	}
	r.Use(requestID, s.recoverer, s.accessLog, s.securityHeaders, s.crossOrigin, s.limitBody,
		s.rateLimit, readSessionUser, s.Sessions.LoadAndSave, s.loadActor, s.rateLimitSession)
	r.NotFound(s.notFound)
	r.MethodNotAllowed(s.methodNotAllowed)
	for _, rt := range s.routes() {
		if err := rt.validate(); err != nil {
			return nil, fmt.Errorf("route table: %w", err)
		}
		r.Method(rt.Method, rt.Pattern, s.guard(rt))
	}
	return r, nil
}
