package customer_test

import (
	"context"
	"errors"
	"testing"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/customer"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil/svctest"
)

var dpo = perms{authz.PrivacyManage, authz.CustomerView}

// TestRestriction: restricting and lifting need privacy.manage, are audited, and while a customer is
// restricted the register hides it from everyone else, refuses its page to them as "restricted" (read as
// not found) and refuses every edit, also to privacy.manage holders.
func TestRestriction(t *testing.T) {
	h := svctest.New(t)
	s := h.Services.Customers
	c := h.MustCreateCustomer(t, company("Spärr AB"))
	h.MustCreateCustomer(t, company("Öppen AB"))
	var got domain.Customer
	h.Run(t,
		svctest.Case{Name: "ForRestriction", Perms: dpo,
			Call: func(ctx context.Context) (err error) { got, err = s.ForRestriction(ctx, c.ID); return },
			Check: func(t *testing.T) {
				if got.ID != c.ID || got.Restricted() {
					t.Errorf("loaded %+v, want customer %d unrestricted", got, c.ID)
				}
			}},
		svctest.Case{Name: "Restrict", Perms: dpo, Audit: []string{customer.Restricted},
			Call: func(ctx context.Context) error {
				return s.Restrict(ctx, c.ID, customer.RestrictInput{Reason: string(domain.RestrictLegalClaims)})
			}},
	)
	var others perms // every permission but privacy.manage
	for _, p := range authz.All() {
		if p != authz.PrivacyManage {
			others = append(others, p)
		}
	}
	clerk := h.As(others...)
	page, err := s.List(clerk, domain.CustomerFilter{})
	if err != nil || page.Total != 1 || page.Rows[0].Name != "Öppen AB" {
		t.Errorf("the list for a user without privacy.manage: %+v (%v), want the open customer alone", page.Rows, err)
	}
	if page, err = s.List(h.As(dpo...), domain.CustomerFilter{}); err != nil || page.Total != 2 {
		t.Errorf("the list for a privacy.manage holder: %d customers (%v), want both", page.Total, err)
	}
	if _, err := s.View(clerk, c.ID); !errors.Is(err, domain.ErrRestricted) {
		t.Errorf("the page of a restricted customer for a user without privacy.manage: %v, want ErrRestricted", err)
	}
	if _, err := s.View(h.As(dpo...), c.ID); err != nil {
		t.Errorf("the page of a restricted customer for a privacy.manage holder: %v", err)
	}
	all := h.As(authz.All()...)
	if err := s.SetConsent(all, c.ID, true, "email"); !errors.Is(err, domain.ErrRestricted) {
		t.Errorf("consent on a restricted customer: %v, want ErrRestricted", err)
	}
	if err := s.Restrict(all, c.ID, customer.RestrictInput{Reason: string(domain.RestrictAccuracy)}); !errors.Is(err, customer.AlreadyRestricted) {
		t.Errorf("restricting twice: %v", err)
	}
	var fe domain.FieldErrors
	if err := s.Restrict(all, c.ID, customer.RestrictInput{Reason: "free text", RequestID: "x"}); !errors.As(err, &fe) ||
		fe["reason"] == "" || fe["request_id"] == "" {
		t.Errorf("a reason not in the list and a request number that is none: %v", err)
	}
	h.Run(t, svctest.Case{Name: "Lift", Perms: dpo, Audit: []string{customer.RestrictionLifted},
		Call: func(ctx context.Context) error { return s.Lift(ctx, c.ID) },
		Check: func(t *testing.T) {
			got, err := s.ForRestriction(all, c.ID)
			if err != nil || got.Restricted() || !got.LiftNoticeDue() || got.RestrictionLiftedBy == nil {
				t.Errorf("after lifting: %+v (%v), want lifted by the actor with the person still to be told", got, err)
			}
		}})
}
