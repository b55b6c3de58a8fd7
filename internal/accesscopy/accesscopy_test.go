package accesscopy

import (
	"context"
	"testing"
	"time"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/i18n"
)

// TestEveryColumnAndTopicHasItsWords: a column added to the inventory fails here until it has a label in
// both languages (the copy's page and the schema show it); so does a table without purpose, basis or source.
func TestEveryColumnAndTopicHasItsWords(t *testing.T) {
	for _, tb := range gdpr.Inventory {
		cols := gdpr.ExportColumns(tb)
		for _, c := range cols {
			if c == gdpr.StaffColumn {
				cols = append(cols, c+"_name")
			}
		}
		for _, c := range cols {
			if sv, en := i18n.Text(ColumnLabel(tb.Name, c)); sv == "" || en == "" {
				t.Errorf("%s.%s has no label %s in both languages", tb.Name, c, ColumnLabel(tb.Name, c))
			}
		}
		if len(tb.Bases) == 0 || tb.Purpose == "" || tb.Source == "" {
			t.Errorf("%s: the inventory gives no legal basis, purpose or source", tb.Name)
		}
	}
	for _, topic := range gdpr.Topics() {
		for _, k := range topic.Defaults {
			if !i18n.Has(k) {
				t.Errorf("topic %s: default %s is not in the catalogue", topic.Name, k)
			}
		}
	}
	for _, u := range []string{gdpr.UnitOre, gdpr.UnitThousandths, gdpr.UnitPercent} {
		if !i18n.Has("gdpr.unit." + u) {
			t.Errorf("unit %s has no words", u)
		}
	}
}

func TestCellReadsAsSwedish(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 3, 24, 9, 5, 0, 0, time.UTC)
	for _, tc := range []struct {
		table string
		col   gdpr.ExportColumn
		v     any
		want  string
	}{
		{"customers", gdpr.ExportColumn{Name: "marketing_consent", Type: domain.ColumnBoolean}, true, "ja"},
		{"customers", gdpr.ExportColumn{Name: "marketing_consent", Type: domain.ColumnBoolean}, false, "nej"},
		{"customers", gdpr.ExportColumn{Name: "kind", Type: domain.ColumnText}, "person", "Privatperson"},
		{"customers", gdpr.ExportColumn{Name: "created_at", Type: domain.ColumnTimestamp}, at, "2026-03-24 10:05"}, // Swedish winter time
		{"credit_reports", gdpr.ExportColumn{Name: "taken_on", Type: domain.ColumnDate}, "2026-03-24", "2026-03-24"},
		{"credit_reports", gdpr.ExportColumn{Name: "limit_ore", Type: domain.ColumnInteger, Unit: gdpr.UnitOre}, int64(2500050), "25\u00a0000,50 kr"},
		{"quote_lines", gdpr.ExportColumn{Name: "qty_milli", Type: domain.ColumnInteger, Unit: gdpr.UnitThousandths}, int64(1500), "1,5"},
		{"quote_lines", gdpr.ExportColumn{Name: "vat_rate", Type: domain.ColumnInteger, Unit: gdpr.UnitPercent}, int64(25), "25 %"},
		{"quotes", gdpr.ExportColumn{Name: "status", Type: domain.ColumnText}, "accepted", "Accepterad"},
		{"quotes", gdpr.ExportColumn{Name: "sent_at", Type: domain.ColumnTimestamp}, nil, ""},
		{"customers", gdpr.ExportColumn{Name: "notes", Type: domain.ColumnText}, "person", "person"}, // a code only where declared
	} {
		if got := Cell(ctx, tc.table, tc.col, tc.v); got != tc.want {
			t.Errorf("%s.%s %v: %q, want %q", tc.table, tc.col.Name, tc.v, got, tc.want)
		}
	}
}

// TestCSVGuardsFreeTextOnly: a validated phone number is written as it is; free text that could start a
// formula gets the apostrophe.
func TestCSVGuardsFreeTextOnly(t *testing.T) {
	if !gdpr.Plain("customers", "phone") || gdpr.Plain("customers", "notes") {
		t.Fatal("the inventory should declare customers.phone plain and customers.notes not")
	}
	b, err := csvFile([]string{"phone", "notes"}, [][]string{{"+46 70 123 45 67", "=1+1"}}, []bool{true, false})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), "\uFEFFphone;notes\n+46 70 123 45 67;'=1+1\n"; got != want {
		t.Errorf("csv %q, want %q", got, want)
	}
}
