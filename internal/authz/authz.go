// Package authz holds the permission catalogue and the acting user carried in the request context.
// Require fails closed: without an actor in the context nothing is allowed.
package authz

import (
	"context"
	"fmt"

	"github.com/affar/affar/internal/domain"
)

// Permission names one thing a user may do with personal data. The string is stored in user_permissions.
type Permission string

// The catalogue. The label of each permission is the message id "perm."+name.
const (
	CustomerCreate Permission = "customer.create"
	CustomerView   Permission = "customer.view"
	// CustomerViewIdentity shows a personnummer in full on the customer page, behind an audited "Visa",
	// and in register exports; everywhere else it is masked (domain.MaskedIDNumber).
	CustomerViewIdentity Permission = "customer.view_identity"
	CustomerEdit         Permission = "customer.edit"
	CustomerDelete       Permission = "customer.delete"
	CustomerAnonymise    Permission = "customer.anonymise"
	CustomerBulkErase    Permission = "customer.bulk_erase"
	CustomerPrintLabels  Permission = "customer.print_labels"
	CustomerExportEmail  Permission = "customer.export_email"
	CustomerExport       Permission = "customer.export"
	CreditReportAccess   Permission = "customer.credit_reports"

	SupplierCreate Permission = "supplier.create"
	SupplierView   Permission = "supplier.view"
	SupplierEdit   Permission = "supplier.edit"
	SupplierDelete Permission = "supplier.delete"

	UserView Permission = "user.view"
	UserEdit Permission = "user.edit"

	AuditView Permission = "audit.view"
	// PrivacyManage is the data protection officer's: the texts a subject-access copy gives the person
	// (purposes, legal bases, recipients, the controller's contact).
	PrivacyManage Permission = "privacy.manage"
)

// Group is a heading under which permissions are shown to an admin.
type Group struct {
	Key         string // message id of the heading
	Permissions []Permission
}

// Groups is the catalogue as a business user sees it.
var Groups = []Group{
	{"perm.group.customers", []Permission{CustomerCreate, CustomerView, CustomerViewIdentity, CustomerEdit, CustomerDelete,
		CustomerAnonymise, CustomerBulkErase, CustomerPrintLabels, CustomerExportEmail, CustomerExport,
		CreditReportAccess}},
	{"perm.group.suppliers", []Permission{SupplierCreate, SupplierView, SupplierEdit, SupplierDelete}},
	{"perm.group.users", []Permission{UserView, UserEdit}},
	{"perm.group.accountability", []Permission{AuditView, PrivacyManage}},
}

// All lists every permission in catalogue order.
func All() []Permission {
	var all []Permission
	for _, g := range Groups {
		all = append(all, g.Permissions...)
	}
	return all
}

// Known reports whether p is in the catalogue.
func Known(p Permission) bool {
	for _, q := range All() {
		if q == p {
			return true
		}
	}
	return false
}

// LabelKey is the message id of p's label.
func (p Permission) LabelKey() string { return "perm." + string(p) }

// DescKey is the message id of p's description, shown under its label on a user's page.
func (p Permission) DescKey() string { return "perm.desc." + string(p) }

// Actor is the user on whose behalf code runs, with the permissions read from the database for this request.
type Actor struct {
	UserID   domain.UserID
	Email    string
	Name     string
	IsAdmin  bool
	Language string
	// PendingAgreement is a version of the data processing agreement sent to this admin and not yet
	// accepted: the pages show a banner until their next sign-in accepts it.
	PendingAgreement string
	perms            map[Permission]bool
	system           bool
}

// NewActor builds an actor from a user and the permissions stored for them.
func NewActor(u domain.User, perms []Permission) Actor {
	a := Actor{UserID: u.ID, Email: u.Email, Name: u.Name, IsAdmin: u.IsAdmin, Language: u.Language,
		perms: make(map[Permission]bool, len(perms))}
	for _, p := range perms {
		a.perms[p] = true
	}
	return a
}

// System is the actor for command-line administration (affar user create …): it may do everything and
// is recorded in the audit log without a user id.
func System() Actor { return Actor{IsAdmin: true, system: true} }

// IsSystem reports whether a is the command-line actor.
func (a Actor) IsSystem() bool { return a.system }

// SeesRestricted reports whether a may see customers whose processing is restricted (GDPR art. 18) and
// restrict or lift: the data protection officer's privacy.manage. Everyone else meets them nowhere.
func SeesRestricted(a Actor) bool { return a.Can(PrivacyManage) }

// Can reports whether the actor holds p. Admins hold every permission.
func (a Actor) Can(p Permission) bool { return a.IsAdmin || a.perms[p] }

// AuditID is the actor's user id for audit events, nil for the system actor.
func (a Actor) AuditID() *domain.UserID {
	if a.system || a.UserID == 0 {
		return nil
	}
	id := a.UserID
	return &id
}

type ctxKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, ctxKey{}, a)
}

// ActorFrom returns the actor in ctx, if any.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(ctxKey{}).(Actor)
	return a, ok
}

// Require returns the actor when it holds p, and an error wrapping domain.ErrForbidden (or
// ErrUnauthenticated without an actor) otherwise.
func Require(ctx context.Context, p Permission) (Actor, error) {
	a, ok := ActorFrom(ctx)
	if !ok {
		return Actor{}, fmt.Errorf("%s: %w", p, domain.ErrUnauthenticated)
	}
	if !a.Can(p) {
		return a, fmt.Errorf("%s: %w", p, domain.ErrForbidden)
	}
	return a, nil
}

// PrivacyReaders are the permissions of those who read what the company shows an auditor (the record of
// processing, the audit chain's checks, the privacy overview): reading the log, or managing data protection.
var PrivacyReaders = []Permission{AuditView, PrivacyManage}

// CanAny reports whether the actor holds one of perms.
func (a Actor) CanAny(perms ...Permission) bool {
	for _, p := range perms {
		if a.Can(p) {
			return true
		}
	}
	return false
}

// CanAll reports whether the actor holds every one of perms.
func (a Actor) CanAll(perms ...Permission) bool {
	for _, p := range perms {
		if !a.Can(p) {
			return false
		}
	}
	return true
}

// RequireAny is Require for what one of several permissions allows.
func RequireAny(ctx context.Context, perms ...Permission) (Actor, error) {
	a, ok := ActorFrom(ctx)
	if !ok {
		return Actor{}, fmt.Errorf("%v: %w", perms, domain.ErrUnauthenticated)
	}
	if !a.CanAny(perms...) {
		return a, fmt.Errorf("one of %v: %w", perms, domain.ErrForbidden)
	}
	return a, nil
}

// RequireAll is Require for actions that need several permissions, such as editing a customer (edit and
// view: the form shows the data).
func RequireAll(ctx context.Context, perms ...Permission) (Actor, error) {
	var (
		a   Actor
		err error
	)
	for _, p := range perms {
		if a, err = Require(ctx, p); err != nil {
			return a, err
		}
	}
	return a, nil
}

// RequireAdmin is Require for the things only admins do, such as granting permissions.
func RequireAdmin(ctx context.Context) (Actor, error) {
	a, ok := ActorFrom(ctx)
	if !ok {
		return Actor{}, fmt.Errorf("admin: %w", domain.ErrUnauthenticated)
	}
	if !a.IsAdmin {
		return a, fmt.Errorf("admin: %w", domain.ErrForbidden)
	}
	return a, nil
}

// Presets are the role presets an admin can start from; they fill the permission boxes and are saved
// only as the permissions they hold (there are no roles in the database). The label is "preset."+name.
var Presets = []struct {
	Name        string
	Permissions []Permission
}{
	{"sales", []Permission{CustomerCreate, CustomerView, CustomerEdit, CustomerPrintLabels, CustomerExportEmail, SupplierView}},
	{"purchasing", []Permission{CustomerView, SupplierCreate, SupplierView, SupplierEdit, SupplierDelete}},
	// Accounts invoice private persons (ROT/RUT deductions need their personnummer), so they see full
	// numbers; the other presets see them masked.
	{"accounts", []Permission{CustomerView, CustomerViewIdentity, CustomerEdit, CreditReportAccess, CustomerExport,
		SupplierView, SupplierEdit}},
	{"readonly", []Permission{CustomerView, SupplierView, UserView}},
}

// Preset returns the permissions of the named preset.
func Preset(name string) ([]Permission, bool) {
	for _, p := range Presets {
		if p.Name == name {
			return p.Permissions, true
		}
	}
	return nil, false
}
