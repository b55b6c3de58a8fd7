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
	svctest.Methods(t, &settings.Service{}, "Retention", "SetRetention")
}

// Both methods are for admins: refused without an actor and for a user who holds every permission but is
// not an admin; an admin reads the law's default and changes it.
func TestService(t *testing.T) {
	h := svctest.New(t)
	s := h.Services.Settings
	ten := domain.Retention{Years: 10, FiscalYearEnd: time.June}
	var r domain.Retention
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
