package customer_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/customer"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/request"
	"github.com/affar/affar/internal/testutil/svctest"
)

type perms = []authz.Permission

var (
	view = perms{authz.CustomerView}
	edit = perms{authz.CustomerEdit, authz.CustomerView} // editing shows the data too
)

func company(name string) domain.CustomerInput {
	return domain.CustomerInput{Kind: "company", Name: name, City: "Stockholm"}
}

// The Service's methods: View, the customer page, is in TestServicePage; RecordObjection, which needs one of
// two permissions besides customer.view, in TestObjectionPermissions.
func TestServiceMethods(t *testing.T) {
	svctest.Methods(t, &customer.Service{}, "List", "Segment", "View", "ForEdit", "Create", "Update", "Rectify", "AddContact",
		"RemoveContact", "SetConsent", "AddCreditReport", "AccessLog", "IdentityNumber", "RecordObjection", "ConsentLiftingObjection",
		"ForRestriction", "Restrict", "Lift") // the last three in TestRestriction
}

func TestService(t *testing.T) {
	h := svctest.New(t)
	s := h.Services.Customers
	withNumber := company("Kund AB")
	withNumber.IDNumber = "556036-0793"
	c := h.MustCreateCustomer(t, withNumber)
	edited := h.MustCreateCustomer(t, company("Ändras AB"))
	contact := h.MustAddContact(t, c.ID, "Kim Kontakt")
	lifter := h.MustCreateCustomer(t, company("Samtycker Igen AB"))
	rectified := h.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Rättas AB", City: "Kiruna"})
	onRequest, err := h.Services.Requests.Register(h.As(authz.PrivacyManage), request.Input{Kinds: []string{"rectification"},
		Received: h.Clock.Now().Format("2006-01-02"), Channel: "letter", Name: "Rättas AB"})
	if err != nil {
		t.Fatal(err)
	}
	objection := customer.ObjectionInput{ObjectedOn: h.Clock.Now().Format("2006-01-02"), Channel: "letter"}
	if err := s.RecordObjection(h.As(edit...), lifter.ID, objection); err != nil {
		t.Fatal(err)
	}
	var (
		page    domain.CustomerPage
		seg     domain.SegmentPage
		got     domain.Customer
		created domain.Customer
		number  string
	)
	var access customer.AccessPage
	h.Run(t,
		svctest.Case{Name: "AccessLog", Perms: []authz.Permission{authz.AuditView, authz.CustomerView},
			Call: func(ctx context.Context) (err error) {
				access, err = s.AccessLog(ctx, c.ID, customer.AccessQuery{})
				return
			},
			Check: func(t *testing.T) {
				if access.Number != c.Number || len(access.Entries) != 2 || access.Entries[1].Action != "customer.created" || access.Older != 0 {
					t.Errorf("access log %+v, want customer %d's contact and creation, newest first, and no older page", access, c.Number)
				}
			}},
		svctest.Case{Name: "List", Perms: view,
			Call: func(ctx context.Context) (err error) { page, err = s.List(ctx, domain.CustomerFilter{}); return },
			Check: func(t *testing.T) {
				if page.Total != 4 || len(page.Rows) != 4 { // Kund AB, Ändras AB, Samtycker Igen AB, Rättas AB
					t.Errorf("%d of %d customers, want 4", len(page.Rows), page.Total)
				}
			}},
		svctest.Case{Name: "Segment", Perms: view,
			Call: func(ctx context.Context) (err error) {
				seg, err = s.Segment(ctx, domain.SegmentQuery{Segment: domain.Segment{City: "Stockholm"}})
				return
			},
			Check: func(t *testing.T) {
				if seg.Total != 3 || len(seg.Rows) != 3 {
					t.Errorf("%d of %d customers, want 3", len(seg.Rows), seg.Total)
				}
			}},
		svctest.Case{Name: "ForEdit", Perms: edit, Audit: []string{customer.Viewed},
			Call: func(ctx context.Context) (err error) { got, err = s.ForEdit(ctx, c.ID); return },
			Check: func(t *testing.T) {
				if got.ID != c.ID || got.Name != "Kund AB" {
					t.Errorf("got %d %q, want %d Kund AB", got.ID, got.Name, c.ID)
				}
			}},
		svctest.Case{Name: "Create", Perms: perms{authz.CustomerCreate},
			Call: func(ctx context.Context) (err error) {
				created, err = s.Create(ctx, company("Ny Kund AB"), customer.NewConsent{Given: true, Source: "email"}, false)
				return
			},
			Audit: []string{customer.Created, customer.ConsentChanged},
			Check: func(t *testing.T) {
				if created.ID == 0 || !created.Consent {
					t.Errorf("created %+v, want a stored customer with consent", created)
				}
			}},
		svctest.Case{Name: "Update", Perms: edit,
			Call: func(ctx context.Context) (err error) {
				got, err = s.Update(ctx, edited.ID, domain.CustomerInput{Kind: "company", Name: "Ändras AB", City: "Uppsala"},
					customer.Version(edited))
				return
			},
			Audit: []string{customer.Changed},
			Check: func(t *testing.T) {
				if got.City != "Uppsala" {
					t.Errorf("city %q, want Uppsala", got.City)
				}
			}},
		svctest.Case{Name: "Rectify", Perms: perms{authz.CustomerEdit, authz.CustomerView, authz.PrivacyManage},
			Call: func(ctx context.Context) (err error) {
				got, _, err = s.Rectify(ctx, rectified.ID, domain.CustomerInput{Kind: "company", Name: "Rättas AB", City: "Luleå"},
					customer.Version(rectified), onRequest.Number())
				return
			},
			Audit: []string{request.ActionRecorded, customer.Changed},
			Check: func(t *testing.T) {
				if got.City != "Luleå" {
					t.Errorf("city %q, want Luleå", got.City)
				}
			}},
		svctest.Case{Name: "IdentityNumber", Perms: perms{authz.CustomerView, authz.CustomerViewIdentity},
			Audit: []string{customer.IdentityViewed},
			Call:  func(ctx context.Context) (err error) { number, err = s.IdentityNumber(ctx, c.ID); return },
			Check: func(t *testing.T) {
				if number != "556036-0793" {
					t.Errorf("identity number %q, want 556036-0793", number)
				}
			}},
		svctest.Case{Name: "AddContact", Perms: edit, Audit: []string{customer.ContactAdded},
			Call: func(ctx context.Context) error {
				return s.AddContact(ctx, c.ID, domain.ContactInput{Name: "Sam Kontakt"})
			}},
		svctest.Case{Name: "RemoveContact", Perms: edit, Audit: []string{customer.ContactRemoved},
			Call: func(ctx context.Context) error { return s.RemoveContact(ctx, c.ID, contact) }},
		svctest.Case{Name: "SetConsent", Perms: edit, Audit: []string{customer.ConsentChanged},
			Call: func(ctx context.Context) error { return s.SetConsent(ctx, c.ID, true, "phone") }},
		svctest.Case{Name: "ConsentLiftingObjection", Perms: edit, Audit: []string{customer.ObjectionLifted, customer.ConsentChanged},
			Call: func(ctx context.Context) error { return s.ConsentLiftingObjection(ctx, lifter.ID, "paper") }},
		svctest.Case{Name: "AddCreditReport", Perms: perms{authz.CreditReportAccess, authz.CustomerView},
			Audit: []string{audit.CreditReportRecorded},
			Call: func(ctx context.Context) error {
				return s.AddCreditReport(ctx, c.ID, customer.CreditReportInput{Bureau: "UC",
					TakenOn: h.Clock.Now().Format("2006-01-02"), Rating: "A", Limit: "10000", Need: "existing_agreement", Reference: "UC-1"})
			}},
	)
}

// View is the customer page; View is the customer page: one call, with its quotes, hold and rule.
func TestServicePage(t *testing.T) {
	h := svctest.New(t)
	c := h.MustCreateCustomer(t, company("Kund AB"))
	h.MustAddContact(t, c.ID, "Kim Kontakt")
	h.MustCreateQuote(t, c.ID)
	var d customer.Detail
	h.Run(t, svctest.Case{Name: "View", Perms: view, Audit: []string{customer.Viewed},
		Call: func(ctx context.Context) (err error) { d, err = h.Services.Customers.View(ctx, c.ID); return },
		Check: func(t *testing.T) {
			if d.Customer.ID != c.ID || len(d.Contacts) != 1 {
				t.Errorf("customer %d with %d contacts, want %d with 1", d.Customer.ID, len(d.Contacts), c.ID)
			}
			if len(d.Quotes) != 1 || d.Hold.Quote != nil || d.Rule.Years != domain.MinRetentionYears {
				t.Errorf("%d quotes, hold %+v, rule %+v: want one draft, which holds nothing, under the default rule",
					len(d.Quotes), d.Hold, d.Rule)
			}
			if d.CreditReports != nil || d.Access != nil {
				t.Errorf("credit reports %v and access log %v shown to one who may see neither", d.CreditReports, d.Access)
			}
		}})
}

// Version and CreditReportInput.Validate are functions of values, with no data to guard.
func TestVersionAndCreditReportValidate(t *testing.T) {
	if v := customer.Version(domain.Customer{Version: 7}); v != 7 {
		t.Errorf("Version = %d, want 7", v)
	}
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in    customer.CreditReportInput
		field string // the field refused, "" for none
	}{
		{customer.CreditReportInput{Need: "credit_application", Reference: "R1", Bureau: "UC", TakenOn: "2026-12-02", Rating: "A", Limit: "10 000"}, ""},
		{customer.CreditReportInput{Need: "credit_application", Reference: "R1", Bureau: "Nobody", TakenOn: "2026-12-02", Rating: "A", Limit: "0"}, "bureau"},
		{customer.CreditReportInput{Need: "credit_application", Reference: "R1", Bureau: "UC", TakenOn: "2026-12-03", Rating: "A", Limit: "0"}, "taken_on"},
		{customer.CreditReportInput{Need: "credit_application", Reference: "R1", Bureau: "UC", TakenOn: "2026-12-02", Limit: "0"}, "rating"},
		{customer.CreditReportInput{Need: "credit_application", Reference: "R1", Bureau: "UC", TakenOn: "2026-12-02", Rating: "A", Limit: "tio"}, "limit"},
		// Kreditupplysningslagen 9 §: no report without its legitimate need, and the bureau's reference.
		{customer.CreditReportInput{Reference: "R1", Bureau: "UC", TakenOn: "2026-12-02", Rating: "A", Limit: "0"}, "credit_need"},
		{customer.CreditReportInput{Need: "unrecorded", Reference: "R1", Bureau: "UC", TakenOn: "2026-12-02", Rating: "A", Limit: "0"}, "credit_need"},
		{customer.CreditReportInput{Need: "risk_assessment", Bureau: "UC", TakenOn: "2026-12-02", Rating: "A", Limit: "0"}, "credit_reference"},
	} {
		r, err := tc.in.Validate(now)
		var fe domain.FieldErrors
		switch {
		case tc.field == "" && (err != nil || r.LimitOre != 1_000_000):
			t.Errorf("%+v: %v, limit %d öre, want valid and 1 000 000", tc.in, err, r.LimitOre)
		case tc.field != "" && (!errors.As(err, &fe) || fe[tc.field] == ""):
			t.Errorf("%+v: %v, want %s refused", tc.in, err, tc.field)
		}
	}
}

// TestObjectionPermissions: recording an objection to direct marketing needs customer.view and one of
// customer.edit and privacy.manage; it withdraws consent and is audited. Refused, it changes nothing.
func TestObjectionPermissions(t *testing.T) {
	h := svctest.New(t)
	s := h.Services.Customers
	c := h.MustCreateCustomer(t, company("Invänder AB"))
	if err := s.SetConsent(h.As(edit...), c.ID, true, "email"); err != nil {
		t.Fatal(err)
	}
	in := customer.ObjectionInput{ObjectedOn: h.Clock.Now().Format("2006-01-02"), Channel: "email"}
	for _, ps := range []perms{view, {authz.CustomerEdit}, {authz.PrivacyManage}, {authz.CustomerEdit, authz.PrivacyManage}} {
		if err := s.RecordObjection(h.As(ps...), c.ID, in); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("with %v: %v, want forbidden", ps, err)
		}
	}
	if err := s.RecordObjection(context.Background(), c.ID, in); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Errorf("without an actor: %v", err)
	}
	since := h.LastAudit(t)
	if err := s.RecordObjection(h.As(authz.CustomerView, authz.PrivacyManage), c.ID, in); err != nil {
		t.Fatalf("with privacy.manage: %v", err)
	}
	if got := h.ActionsSince(t, since); !slices.Equal(got, []string{customer.ObjectionRecorded, customer.ConsentChanged}) {
		t.Errorf("recorded %q, want the objection and the withdrawn consent", got)
	}
	d, err := s.View(h.As(view...), c.ID)
	if err != nil || d.Customer.Consent || len(d.Objections) != 1 || !d.Objections[0].InForce() {
		t.Fatalf("after the objection: consent %v, objections %+v (%v)", d.Customer.Consent, d.Objections, err)
	}
	var fe domain.FieldErrors
	if err := s.SetConsent(h.As(edit...), c.ID, true, "email"); !errors.As(err, &fe) || fe["lift_objection"] == "" {
		t.Errorf("consent over the objection: %v, want a field error asking to confirm", err)
	}
	other := h.MustCreateCustomer(t, company("Redigeras AB"))
	if err := s.RecordObjection(h.As(edit...), other.ID, in); err != nil {
		t.Errorf("with customer.edit: %v", err)
	}
}
