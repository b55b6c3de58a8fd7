package settings_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/settings"
	"github.com/affar/affar/internal/testutil/svctest"
)

func TestServiceMethods(t *testing.T) {
	svctest.Methods(t, &settings.Service{}, "Retention", "SetRetention", "Company", "SetCompany")
}

// Both methods are for admins: refused without an actor and for a user who holds every permission but is
// not an admin; an admin reads the law's default and changes it.
func TestService(t *testing.T) {
	h := svctest.New(t)
	s := h.Services.Settings
	ten := domain.Retention{Years: 10, FiscalYearEnd: time.June}
	company := domain.CompanyInput{Name: "Måleri Öst AB", OrgNumber: "5560360793", VATNumber: "se 5560360793 01", Language: "sv"}
	var r domain.Retention
	var details domain.CompanyDetails
	h.Run(t,
		svctest.Case{Name: "Retention", Admin: true,
			Call: func(ctx context.Context) (err error) { r, err = s.Retention(ctx); return },
			Check: func(t *testing.T) {
				if r != domain.DefaultRetention {
					t.Errorf("retention %+v, want the law's default: seven years, a calendar fiscal year", r)
				}
			}},
		svctest.Case{Name: "SetRetention", Admin: true, Audit: []string{settings.RetentionChanged},
			Call: func(ctx context.Context) error { return s.SetRetention(ctx, ten, false) },
			Check: func(t *testing.T) {
				if r, err := s.Retention(h.AsAdmin()); err != nil || r != ten {
					t.Errorf("retention %+v (%v), want %+v", r, err, ten)
				}
			}},
		svctest.Case{Name: "Company", Admin: true,
			Call: func(ctx context.Context) (err error) { details, err = s.Company(ctx); return },
			Check: func(t *testing.T) {
				if details != (domain.CompanyDetails{Language: "sv"}) {
					t.Errorf("company details %+v, want none yet, documents in Swedish", details)
				}
			}},
		svctest.Case{Name: "SetCompany", Admin: true, Audit: []string{settings.CompanyChanged},
			Call: func(ctx context.Context) error { return s.SetCompany(ctx, company) },
			Check: func(t *testing.T) {
				want := domain.CompanyDetails{Name: "Måleri Öst AB", OrgNumber: "556036-0793", VATNumber: "SE556036079301", Language: "sv"}
				if got, err := s.Company(h.AsAdmin()); err != nil || got != want {
					t.Errorf("company details %+v (%v), want %+v", got, err, want)
				}
			}},
	)
}

// Fewer years than the law's seven are refused with its warning unless confirmed.
func TestRetentionBelowTheLawNeedsConfirming(t *testing.T) {
	h := svctest.New(t)
	s := h.Services.Settings
	five := domain.Retention{Years: 5, FiscalYearEnd: time.December}
	var fe domain.FieldErrors
	if err := s.SetRetention(h.AsAdmin(), five, false); !errors.As(err, &fe) || fe["retention_years"] != "error.retention_below_law" {
		t.Errorf("five years unconfirmed: %v, want the law's warning", err)
	}
	if r, err := s.Retention(h.AsAdmin()); err != nil || r != domain.DefaultRetention {
		t.Errorf("the setting after the refusal: %+v, %v; want the default still", r, err)
	}
	if err := s.SetRetention(h.AsAdmin(), five, true); err != nil {
		t.Errorf("five years confirmed: %v", err)
	}
}

// The company's details are checked on the server with the catalogue's messages beside each field, and
// the audit event names the changed fields without their values.
func TestCompanyDetailsChecked(t *testing.T) {
	h := svctest.New(t)
	s := h.Services.Settings
	bad := domain.CompanyInput{Name: "", OrgNumber: "556036-0794", PostalCode: "123", Email: "info@", Phone: "x",
		VATNumber: "SE556036079302", Language: "de"}
	var fe domain.FieldErrors
	if err := s.SetCompany(h.AsAdmin(), bad); !errors.As(err, &fe) {
		t.Fatalf("bad details: %v, want field errors", err)
	}
	want := domain.FieldErrors{"company_name": "error.required", "company_org_number": "error.orgnumber.checksum",
		"company_postal_code": "error.postal_code", "company_email": "error.email", "company_phone": "error.phone",
		"company_vat_number": "error.vat_number", "document_language": "error.language"}
	for k, v := range want {
		if fe[k] != v {
			t.Errorf("%s: %q, want %q", k, fe[k], v)
		}
	}
	other := domain.CompanyInput{Name: "Ek AB", OrgNumber: "556036-0793", VATNumber: "SE556677889901", Language: "en"}
	if err := s.SetCompany(h.AsAdmin(), other); !errors.As(err, &fe) || fe["company_vat_number"] != "error.vat_number_org" {
		t.Errorf("a VAT number of another organisation: %v", err)
	}
	since := h.LastAudit(t)
	ok := domain.CompanyInput{Name: "Ek AB", City: "Umeå", QuoteTerms: "Betalning 30 dagar netto.", Language: "en"}
	if err := s.SetCompany(h.AsAdmin(), ok); err != nil {
		t.Fatal(err)
	}
	var details string
	if err := h.DB.Pool.QueryRow(context.Background(), `SELECT details::text FROM audit_events WHERE id > $1 AND action = $2`,
		since, settings.CompanyChanged).Scan(&details); err != nil {
		t.Fatal(err)
	}
	if details != `{"fields": ["company_name", "company_city", "quote_terms", "document_language"]}` {
		t.Errorf("audit details %s, want the changed fields' names only", details)
	}
}
