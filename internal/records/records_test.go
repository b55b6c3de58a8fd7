package records_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/records"
	"github.com/affar/affar/internal/testutil"
)

// TestEveryColumnHasACategory: every personal column of the inventory (and of the other tables the record
// lists) belongs to a category of data subjects and a category of data, and has a label in both languages.
func TestEveryColumnHasACategory(t *testing.T) {
	if missing := records.Unmapped(records.Tables()); len(missing) > 0 {
		t.Errorf("personal columns without a category in the record of processing: %v", missing)
	}
	sv, en := context.Background(), i18n.WithLang(context.Background(), "en")
	for _, c := range records.Columns(records.Tables()) {
		for _, ctx := range []context.Context{sv, en} {
			if got := i18n.T(ctx, c.Label); got == c.Label {
				t.Errorf("%s.%s has no label", c.Table, c.Name)
			}
		}
	}
}

// TestUnmappedCatchesANewColumn shows the test above can fail: a column added to the inventory without a
// category is reported.
func TestUnmappedCatchesANewColumn(t *testing.T) {
	tables := append([]domain.PIITable{}, gdpr.Inventory...)
	tables[0].Personal = append(slices.Clone(tables[0].Personal), domain.PIIColumn{Name: "shoe_size"})
	if got := records.Unmapped(tables); !slices.Equal(got, []string{"customers.shoe_size"}) {
		t.Fatalf("an uncategorised column is not caught: %v", got)
	}
}

// TestSaveMakesVersions: each save is a new version, the earlier one stays readable, the save is audited
// with field names only, and a bad legal basis is refused; someone without the right may neither read nor
// save.
func TestSaveMakesVersions(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	svc := env.Services.Records
	ctx := authz.WithActor(context.Background(), authz.System())
	first := map[string]domain.RecordEntry{"customers": {Purpose: "Offerter och försäljning", Basis: "b"}}
	if n, err := svc.Save(ctx, first); err != nil || n != 1 {
		t.Fatalf("first save: %d, %v", n, err)
	}
	second := map[string]domain.RecordEntry{"customers": {Purpose: "Försäljning och kundvård", Basis: "f", Recipients: "Bokföringsbyrån"}}
	if n, err := svc.Save(ctx, second); err != nil || n != 2 {
		t.Fatalf("second save: %d, %v", n, err)
	}
	cur, err := svc.View(ctx, 0)
	if err != nil || cur.Version.Number != 2 || cur.Version.Entries["customers"].Purpose != "Försäljning och kundvård" || len(cur.Versions) != 2 {
		t.Fatalf("current: %+v, %v", cur.Version, err)
	}
	old, err := svc.View(ctx, 1)
	if err != nil || !old.Found || old.Version.Entries["customers"].Purpose != "Offerter och försäljning" {
		t.Fatalf("version 1 is not kept: %+v, %v", old.Version, err)
	}
	var raw []byte
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT details FROM audit_events WHERE action = $1 ORDER BY id DESC LIMIT 1`,
		records.Saved).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	var details map[string]any
	_ = json.Unmarshal(raw, &details)
	if s := string(raw); strings.Contains(s, "Bokföringsbyrån") || !strings.Contains(s, "recipients.customers") || details["version"] != float64(2) {
		t.Errorf("audit details: %s", raw)
	}
	var fe domain.FieldErrors
	if _, err := svc.Save(ctx, map[string]domain.RecordEntry{"users": {Basis: "g"}}); !errors.As(err, &fe) || fe["basis.users"] == "" {
		t.Errorf("a basis outside art. 6(1) is saved: %v", err)
	}
	clerk := authz.WithActor(context.Background(), authz.NewActor(domain.User{ID: 1, Name: "Clerk"}, []authz.Permission{authz.CustomerView}))
	if _, err := svc.View(clerk, 0); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("a clerk reads the record: %v", err)
	}
	auditor := authz.WithActor(context.Background(), authz.NewActor(domain.User{ID: 1, Name: "Revisor"}, []authz.Permission{authz.AuditView}))
	if _, err := svc.Save(auditor, first); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("an auditor saves the record: %v", err)
	}
}
