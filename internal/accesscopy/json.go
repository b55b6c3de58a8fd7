package accesscopy

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/i18n"
)

// Format names the version of the JSON document; SchemaID identifies the schema it follows.
const (
	Format   = "affar-subject-access/2"
	SchemaID = "urn:affar:subject-access:2"
)

type jsonEvent struct {
	At          string         `json:"at"`
	Action      string         `json:"action"`
	ActionLabel string         `json:"action_label"`
	Entity      string         `json:"entity"`
	EntityID    *int64         `json:"entity_id"`
	Actor       string         `json:"actor"`
	Details     map[string]any `json:"details"`
}

// jsonRequest is one of the person's requests: its number, what was asked, when, and where it stands.
type jsonRequest struct {
	Number   string   `json:"number"`
	Kinds    []string `json:"kinds"`
	Received string   `json:"received"`
	Status   string   `json:"status"`
	Closed   *string  `json:"closed"`
}

// Requests are the copy's requests as the JSON and the ZIP's CSV give them.
func requests(x gdpr.Export) []jsonRequest {
	out := make([]jsonRequest, len(x.Requests))
	for i, r := range x.Requests {
		out[i] = jsonRequest{Number: r.Number(), Received: r.Received.Format(domain.DateLayout), Status: string(r.Status)}
		for _, k := range r.Kinds {
			out[i].Kinds = append(out[i].Kinds, string(k))
		}
		if r.Closed != nil {
			closed := r.Closed.Format(domain.DateLayout)
			out[i].Closed = &closed
		}
	}
	return out
}

type jsonCategory struct {
	Table      string `json:"table"`
	Title      string `json:"title"`
	Purpose    string `json:"purpose"`
	LegalBasis string `json:"legal_basis"`
	Source     string `json:"source"`
}

type jsonInformation struct {
	Controller   string         `json:"controller"`
	Categories   []jsonCategory `json:"categories"`
	Recipients   string         `json:"recipients"`
	Transfers    string         `json:"transfers"`
	ErasableFrom string         `json:"erasable_from"`
	Storage      string         `json:"storage"`
	Rule         string         `json:"rule"`
	Rights       []string       `json:"rights"`
	Automated    string         `json:"automated_decisions"`
}

type document struct {
	Format         string                      `json:"format"`
	Schema         string                      `json:"schema"`
	GeneratedAt    string                      `json:"generated_at"`
	CustomerNumber int64                       `json:"customer_number"`
	Information    jsonInformation             `json:"information"`
	Data           map[string][]map[string]any `json:"data"`
	Events         []jsonEvent                 `json:"audit_events"`
	Requests       []jsonRequest               `json:"subject_requests"`
}

// JSON is the machine-readable copy (data portability): every table's rows under data, the information
// of art. 15(1) and the audit events, following Schema.
func JSON(ctx context.Context, x gdpr.Export) ([]byte, error) {
	info := Information(ctx, x)
	doc := document{Format: Format, Schema: SchemaID, GeneratedAt: instant(x.GeneratedAt), CustomerNumber: x.CustomerNumber,
		Information: jsonInformation{Controller: info.Controller, Recipients: info.Recipients, Transfers: info.Transfers,
			ErasableFrom: info.ErasableFrom, Storage: info.Storage, Rule: info.Rule, Rights: info.Rights, Automated: info.Automated},
		Data: map[string][]map[string]any{}, Events: []jsonEvent{}, Requests: requests(x)}
	for _, c := range info.Categories {
		doc.Information.Categories = append(doc.Information.Categories, jsonCategory{Table: c.Table, Title: c.Title,
			Purpose: c.Purpose, LegalBasis: c.Basis, Source: c.Source})
	}
	for _, t := range x.Tables {
		rows := make([]map[string]any, len(t.Rows))
		for i, r := range t.Rows {
			rows[i] = make(map[string]any, len(t.Columns))
			for _, c := range t.Columns {
				rows[i][c.Name] = machineValue(r[c.Name])
			}
		}
		doc.Data[t.PII.Name] = rows
	}
	for _, e := range x.Events {
		details := e.Details
		if details == nil {
			details = map[string]any{}
		}
		doc.Events = append(doc.Events, jsonEvent{At: instant(e.At), Action: e.Action,
			ActionLabel: i18n.T(ctx, "action."+e.Action), Entity: e.EntityType, EntityID: e.EntityID, Actor: e.ActorName, Details: details})
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("access copy json: %w", err)
	}
	return b, nil
}

// schemaType is the JSON Schema of a column's values (any may be null: a value not given).
func schemaType(ctx context.Context, table string, c gdpr.ExportColumn) map[string]any {
	s := map[string]any{"description": i18n.T(ctx, ColumnLabel(table, c.Name))}
	switch c.Type {
	case domain.ColumnInteger:
		s["type"] = []string{"integer", "null"}
	case domain.ColumnBoolean:
		s["type"] = []string{"boolean", "null"}
	case domain.ColumnDate:
		s["type"], s["format"] = []string{"string", "null"}, "date"
	case domain.ColumnTimestamp:
		s["type"], s["format"] = []string{"string", "null"}, "date-time"
	default:
		s["type"] = []string{"string", "null"}
	}
	if c.Unit != "" {
		s["description"] = s["description"].(string) + " (" + i18n.T(ctx, "gdpr.unit."+c.Unit) + ")"
	}
	return s
}

func str(description string) map[string]any {
	return map[string]any{"type": "string", "description": description}
}

func object(description string, props map[string]any) map[string]any {
	required := slices.Sorted(maps.Keys(props))
	return map[string]any{"type": "object", "description": description, "properties": props, "required": required,
		"additionalProperties": false}
}

// Schema is the JSON Schema (2020-12) of the JSON copy, describing each field in the reader's language,
// with its unit; the types come from the database's own column types.
func Schema(ctx context.Context, x gdpr.Export) ([]byte, error) {
	data := map[string]any{}
	for _, t := range x.Tables {
		cols := map[string]any{}
		for _, c := range t.Columns {
			cols[c.Name] = schemaType(ctx, t.PII.Name, c)
		}
		data[t.PII.Name] = map[string]any{"type": "array", "description": i18n.T(ctx, "gdpr.table."+t.PII.Name),
			"items": object(i18n.T(ctx, "gdpr.table."+t.PII.Name), cols)}
	}
	s := object(i18n.T(ctx, "gdpr.schema.document"), map[string]any{
		"format":          map[string]any{"const": Format, "description": i18n.T(ctx, "gdpr.schema.format")},
		"schema":          map[string]any{"const": SchemaID, "description": i18n.T(ctx, "gdpr.schema.schema")},
		"generated_at":    map[string]any{"type": "string", "format": "date-time", "description": i18n.T(ctx, "gdpr.schema.generated_at")},
		"customer_number": map[string]any{"type": "integer", "description": i18n.T(ctx, "gdpr.schema.customer_number")},
		"information": object(i18n.T(ctx, "gdpr.info.title"), map[string]any{
			"controller": str(i18n.T(ctx, "gdpr.info.controller")),
			"categories": map[string]any{"type": "array", "description": i18n.T(ctx, "gdpr.info.categories"),
				"items": object(i18n.T(ctx, "gdpr.info.categories"), map[string]any{
					"table": str(i18n.T(ctx, "gdpr.schema.table")), "title": str(i18n.T(ctx, "gdpr.schema.title")),
					"purpose": str(i18n.T(ctx, "gdpr.info.purpose")), "legal_basis": str(i18n.T(ctx, "gdpr.info.basis")),
					"source": str(i18n.T(ctx, "gdpr.info.source"))})},
			"recipients":          str(i18n.T(ctx, "gdpr.info.recipients")),
			"transfers":           str(i18n.T(ctx, "gdpr.info.transfers")),
			"erasable_from":       map[string]any{"type": "string", "format": "date", "description": i18n.T(ctx, "gdpr.info.erasable_from")},
			"storage":             str(i18n.T(ctx, "gdpr.info.storage")),
			"rule":                str(i18n.T(ctx, "gdpr.schema.rule")),
			"rights":              map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "description": i18n.T(ctx, "gdpr.info.rights")},
			"automated_decisions": str(i18n.T(ctx, "gdpr.info.automated_title")),
		}),
		"data": object(i18n.T(ctx, "gdpr.schema.data"), data),
		"audit_events": map[string]any{"type": "array", "description": i18n.T(ctx, "gdpr.export.events"),
			"items": object(i18n.T(ctx, "gdpr.export.events"), map[string]any{
				"at":           map[string]any{"type": "string", "format": "date-time", "description": i18n.T(ctx, "audit.col.at")},
				"action":       str(i18n.T(ctx, "gdpr.schema.action")),
				"action_label": str(i18n.T(ctx, "audit.col.action")),
				"entity":       str(i18n.T(ctx, "gdpr.schema.entity")),
				"entity_id":    map[string]any{"type": []string{"integer", "null"}, "description": i18n.T(ctx, "gdpr.schema.entity_id")},
				"actor":        str(i18n.T(ctx, "audit.col.actor")),
				"details":      map[string]any{"type": "object", "description": i18n.T(ctx, "audit.col.details")},
			})},
		"subject_requests": map[string]any{"type": "array", "description": i18n.T(ctx, "gdpr.export.requests"),
			"items": object(i18n.T(ctx, "gdpr.export.requests"), map[string]any{
				"number":   str(i18n.T(ctx, "requests.number")),
				"kinds":    map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "description": i18n.T(ctx, "requests.kinds")},
				"received": map[string]any{"type": "string", "format": "date", "description": i18n.T(ctx, "requests.received")},
				"status":   str(i18n.T(ctx, "requests.status")),
				"closed":   map[string]any{"type": []string{"string", "null"}, "format": "date", "description": i18n.T(ctx, "requests.col.closed")},
			})},
	})
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = SchemaID
	s["title"] = i18n.T(ctx, "gdpr.schema.title_document")
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("access copy schema: %w", err)
	}
	return b, nil
}
