package gdpr

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
)

// Export is everything stored about one customer (GDPR art. 15 and 20), read through the inventory so a
// newly declared column is exported without further work.
type Export struct {
	GeneratedAt    time.Time
	CustomerID     domain.CustomerID
	CustomerNumber int64
	Tables         []ExportTable
	Events         []audit.Entry // the audit events about the customer and their quotes
}

// ExportTable is one inventory table's rows of the customer.
type ExportTable struct {
	Name    string
	Columns []string
	Rows    []map[string]any
}

// ExportColumns are the columns of t an export shows: the personal ones first (generated ones aside,
// they repeat the others), then the rest, by name.
func ExportColumns(t domain.PIITable) []string {
	var cols []string
	for _, c := range t.Personal {
		if c.Clear != domain.ClearDerived {
			cols = append(cols, c.Name)
		}
	}
	var rest []string
	for c := range t.NotPersonal {
		rest = append(rest, c)
	}
	slices.Sort(rest)
	return append(cols, rest...)
}

// Export reads everything stored about customer id, and records that it was exported (format says how:
// "json" or "page"). Credit reports, and the events that reveal them, only for users allowed to see them.
func (s *Service) Export(ctx context.Context, id domain.CustomerID, format string) (Export, error) {
	actor, err := authz.RequireAll(ctx, authz.CustomerView, authz.CustomerExport)
	if err != nil {
		return Export{}, err
	}
	now := s.Now()
	x := Export{GeneratedAt: now, CustomerID: id}
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		c, err := postgres.Customer(ctx, tx, id)
		if err != nil {
			return err
		}
		x.CustomerNumber = c.Number
		var tables []string
		var quotes []int64
		for _, t := range Inventory {
			if t.Name == "credit_reports" && !actor.Can(authz.CreditReportAccess) {
				continue
			}
			cols := ExportColumns(t)
			rows, err := postgres.SubjectRows(ctx, tx, Inventory, t, cols, id)
			if err != nil {
				return err
			}
			x.Tables = append(x.Tables, ExportTable{Name: t.Name, Columns: cols, Rows: rows})
			tables = append(tables, t.Name)
			if t.Name == "quotes" {
				for _, q := range rows {
					qid, _ := q["id"].(int64)
					quotes = append(quotes, qid)
				}
			}
		}
		// The events about the customer and about each of their quotes, two queries in all.
		for _, about := range []struct {
			entity string
			ids    []int64
		}{{"customer", []int64{int64(id)}}, {"quote", quotes}} {
			events, names, err := postgres.EntitiesAudit(ctx, tx, about.entity, about.ids, 100000, audit.Hidden(ctx))
			if err != nil {
				return err
			}
			for i := range events {
				x.Events = append(x.Events, audit.Entry{AuditEvent: events[i], ActorName: names[i]})
			}
		}
		slices.SortFunc(x.Events, func(a, b audit.Entry) int { return a.At.Compare(b.At) })
		anyTables := make([]any, len(tables))
		for i, t := range tables {
			anyTables[i] = t
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, Exported, "customer", audit.ID(id),
			map[string]any{"format": format, "tables": anyTables}))
	})
	return x, err
}

// JSON is the machine-readable form of the export (data portability).
func (x Export) JSON() ([]byte, error) {
	type event struct {
		At       time.Time      `json:"at"`
		Action   string         `json:"action"`
		Entity   string         `json:"entity"`
		EntityID *int64         `json:"entity_id,omitempty"`
		Actor    string         `json:"actor,omitempty"`
		Details  map[string]any `json:"details,omitempty"`
	}
	out := struct {
		Format         string                      `json:"format"`
		GeneratedAt    time.Time                   `json:"generated_at"`
		CustomerNumber int64                       `json:"customer_number"`
		Data           map[string][]map[string]any `json:"data"`
		Events         []event                     `json:"audit_events"`
	}{Format: "affar-subject-access/1", GeneratedAt: x.GeneratedAt, CustomerNumber: x.CustomerNumber,
		Data: map[string][]map[string]any{}, Events: []event{}}
	for _, t := range x.Tables {
		rows := t.Rows
		if rows == nil {
			rows = []map[string]any{}
		}
		out.Data[t.Name] = rows
	}
	for _, e := range x.Events {
		out.Events = append(out.Events, event{At: e.At, Action: e.Action, Entity: e.EntityType, EntityID: e.EntityID,
			Actor: e.ActorName, Details: e.Details})
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("export json: %w", err)
	}
	return b, nil
}
