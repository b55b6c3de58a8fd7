package server

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/affar/affar/internal/accesscopy"
	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/i18n"
	gdprpages "github.com/affar/affar/templates/gdpr"
)

// copyView lays out a subject-access copy for the reader: the art. 15(1) information, each table's
// columns by their labels and values as a reader understands them (internal keys left out), the events.
func copyView(ctx context.Context, x gdpr.Export) gdprpages.ExportView {
	v := gdprpages.ExportView{CustomerID: int64(x.CustomerID), Number: x.CustomerNumber, Generated: localMinute(x.GeneratedAt),
		Info: accesscopy.Information(ctx, x), ControllerUnset: x.Texts[gdpr.TopicController] == ""}
	for _, t := range x.Tables {
		et := gdprpages.ExportTable{Key: "gdpr.table." + t.PII.Name}
		var shown []gdpr.ExportColumn
		for _, c := range t.Columns {
			if !c.Internal {
				shown = append(shown, c)
				et.Columns = append(et.Columns, i18n.T(ctx, accesscopy.ColumnLabel(t.PII.Name, c.Name)))
			}
		}
		for _, row := range t.Rows {
			cells := make([]string, len(shown))
			for i, c := range shown {
				cells[i] = accesscopy.Cell(ctx, t.PII.Name, c, row[c.Name])
			}
			et.Rows = append(et.Rows, cells)
		}
		v.Tables = append(v.Tables, et)
	}
	for _, q := range x.Requests {
		r := gdprpages.ExportRequest{Number: q.Number(), Kinds: kindsText(ctx, q.Kinds), Received: q.Received.Format(domain.DateLayout),
			StatusKey: "requests.status." + string(q.Status)}
		if q.Closed != nil {
			r.Closed = q.Closed.Format(domain.DateLayout)
		}
		v.Requests = append(v.Requests, r)
	}
	// Repeated views are folded as on the customer's access log; the ZIP's CSV and JSON keep every event.
	for _, l := range audit.Fold(x.Events) {
		v.Events = append(v.Events, gdprpages.ExportEvent{At: span(l.First, l.Last), Actor: l.ActorName,
			ActionKey: "action." + l.Action, Details: detailsText(ctx, l.EntityType, l.Details), Times: l.Count})
	}
	return v
}

// detailsText shows an event's details as "key: value" pairs (ids and field names only, by design), the
// names of a customer's changed fields by their labels.
func detailsText(ctx context.Context, entity string, d map[string]any) string {
	parts := make([]string, 0, len(d))
	for _, k := range slices.Sorted(maps.Keys(d)) {
		val := fmt.Sprint(d[k])
		if list, ok := d[k].([]any); ok {
			items := make([]string, len(list))
			for j, it := range list {
				items[j] = fmt.Sprint(it)
				if label := accesscopy.ColumnLabel("customers", items[j]); k == "fields" && entity == "customer" && i18n.Has(label) {
					items[j] = i18n.T(ctx, label)
				}
				if perm := "perm." + items[j]; (k == "granted" || k == "revoked") && i18n.Has(perm) {
					items[j] = i18n.T(ctx, perm)
				}
			}
			val = strings.Join(items, ", ")
		}
		name := k
		if i18n.Has("audit.detail." + k) {
			name = i18n.T(ctx, "audit.detail."+k)
		}
		parts = append(parts, name+": "+val)
	}
	return strings.Join(parts, "; ")
}

// subjectCopy reads the copy for the handlers, or answers the refusal.
func (s *Server) subjectCopy(w http.ResponseWriter, r *http.Request, format string) (gdpr.Export, bool) {
	id, err := customerID(r)
	if err != nil {
		s.fail(w, r, err)
		return gdpr.Export{}, false
	}
	x, err := s.GDPR.Export(r.Context(), id, format, requestParam(r.URL.Query()))
	if err != nil {
		s.fail(w, r, err)
		return gdpr.Export{}, false
	}
	return x, true
}

func (s *Server) subjectExportPage(w http.ResponseWriter, r *http.Request) {
	x, ok := s.subjectCopy(w, r, "page")
	if !ok {
		return
	}
	v := copyView(r.Context(), x)
	v.Nav = navFor(r)
	if a, _ := authz.ActorFrom(r.Context()); a.Can(authz.PrivacyManage) {
		v.TextsURL = "/privacy"
	}
	s.renderPage(w, r, http.StatusOK, gdprpages.ExportPage(v))
}

func (s *Server) subjectExportJSON(w http.ResponseWriter, r *http.Request) {
	x, ok := s.subjectCopy(w, r, "json")
	if !ok {
		return
	}
	b, err := accesscopy.JSON(r.Context(), x)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	attachment(w, "application/json; charset=utf-8", fmt.Sprintf("registerutdrag-%d.json", x.CustomerNumber))
	_, _ = w.Write(b)
}

// subjectExportZIP is the copy for portability: JSON with its schema, CSV per table, the printable page and
// a manifest of SHA-256 sums. It is built in memory (one customer's data) so a failure is still an error page.
func (s *Server) subjectExportZIP(w http.ResponseWriter, r *http.Request) {
	x, ok := s.subjectCopy(w, r, "zip")
	if !ok {
		return
	}
	var page, zipped bytes.Buffer
	if err := gdprpages.ExportDocument(copyView(r.Context(), x)).Render(r.Context(), &page); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := accesscopy.WriteZIP(r.Context(), &zipped, x, page.Bytes()); err != nil {
		s.fail(w, r, err)
		return
	}
	attachment(w, "application/zip", fmt.Sprintf("registerutdrag-%d.zip", x.CustomerNumber))
	_, _ = zipped.WriteTo(w)
}
