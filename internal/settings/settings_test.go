package settings_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil"
)

// TestRetentionSettingIsForAdmins: both methods refuse without an actor and for a user who is not an
// admin, whatever their permissions; an admin reads the law's default and changes it, checked.
func TestRetentionSettingIsForAdmins(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	svc := env.Services.Settings
	user := authz.WithActor(context.Background(), authz.NewActor(domain.User{ID: 1, Email: "u@example.se"}, authz.All()))
	admin := authz.WithActor(context.Background(), authz.NewActor(domain.User{ID: 1, Email: "a@example.se", IsAdmin: true}, nil))
	ten := domain.Retention{Years: 10, FiscalYearEnd: time.June}
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want error
	}{{"no actor", context.Background(), domain.ErrUnauthenticated}, {"not an admin", user, domain.ErrForbidden}} {
		if _, err := svc.Retention(tc.ctx); !errors.Is(err, tc.want) {
			t.Errorf("Retention, %s: %v, want %v", tc.name, err, tc.want)
		}
		if err := svc.SetRetention(tc.ctx, ten, false); !errors.Is(err, tc.want) {
			t.Errorf("SetRetention, %s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if r, err := svc.Retention(admin); err != nil || r != domain.DefaultRetention {
		t.Fatalf("the setting at first: %+v, %v; want the law's default", r, err)
	}
	var fe domain.FieldErrors
	if err := svc.SetRetention(admin, domain.Retention{Years: 5, FiscalYearEnd: time.December}, false); !errors.As(err, &fe) ||
		fe["retention_years"] != "error.retention_below_law" {
		t.Errorf("five years unconfirmed: %v, want the law's warning", err)
	}
	if err := svc.SetRetention(admin, ten, false); err != nil {
		t.Fatal(err)
	}
	if r, err := svc.Retention(admin); err != nil || r != ten {
		t.Fatalf("the setting after the change: %+v, %v; want %+v", r, err, ten)
	}
}
