package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/export"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/labels"
	"github.com/affar/affar/internal/xlsx"
)

// exportRequest reads the CRM filter (and for labels the ticked customers) from an export form. A filter
// with a date that cannot be read goes back to the CRM screen, which says what is wrong.
func (s *Server) exportRequest(w http.ResponseWriter, r *http.Request, withIDs bool) (export.Request, bool) {
	if !s.parseForm(w, r) {
		return export.Request{}, false
	}
	seg, typed, errs := parseSegment(r.PostForm)
	if len(errs) > 0 {
		redirect(w, r, crmURL(typed, nil))
		return export.Request{}, false
	}
	req := export.Request{Segment: seg, Filter: typed}
	if withIDs {
		var ok bool
		if req.IDs, ok = s.selection(w, r, typed); !ok {
			return export.Request{}, false
		}
	}
	return req, true
}

// exportFailed answers an export that sent nothing: too many exports (429 with Retry-After), nothing
// selected or too much for one print (back to the CRM screen with the reason), or the usual errors.
func (s *Server) exportFailed(w http.ResponseWriter, r *http.Request, req export.Request, started bool, err error) {
	if started {
		// Rows have left and the status is sent: breaking the connection is the only way left to tell the
		// browser the file is incomplete (it then reports the download as failed).
		s.Log.Error("export cut short", "request_id", RequestID(r.Context()), "path", r.URL.Path, "err", err)
		panic(http.ErrAbortHandler)
	}
	if errors.Is(err, domain.ErrBusy) {
		w.Header().Set("Retry-After", "10")
		s.renderError(w, r, http.StatusServiceUnavailable, i18n.T(r.Context(), "exports.busy"))
		return
	}
	if until, ok := export.IsLimited(err); ok {
		minutes := int(math.Ceil(until.Sub(s.Now()).Minutes()))
		w.Header().Set("Retry-After", strconv.Itoa(max(int(math.Ceil(until.Sub(s.Now()).Seconds())), 1)))
		s.renderError(w, r, http.StatusTooManyRequests, i18n.N(r.Context(), "exports.limited", max(minutes, 1)))
		return
	}
	var ce *domain.ConflictError
	if errors.As(err, &ce) {
		s.Sessions.Put(r.Context(), sessionFlash, ce.Key)
		redirect(w, r, crmURL(req.Filter, nil))
		return
	}
	s.fail(w, r, err)
}

// rowsPerDeadline is how often a streaming export moves the server's write deadline on: a million rows
// take longer than the two minutes any other response gets, but each stretch of rows does not.
const rowsPerDeadline = 10_000

// stillWriting moves the write deadline on every rowsPerDeadline rows.
func stillWriting(w http.ResponseWriter, rows *int) error {
	*rows++
	if *rows%rowsPerDeadline != 0 {
		return nil
	}
	err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(time.Minute))
	if errors.Is(err, http.ErrNotSupported) {
		return nil // a writer without deadlines (a test recorder) cannot time out either
	}
	return err
}

func attachment(w http.ResponseWriter, contentType, name string, now time.Time) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s"`, now.In(domain.Stockholm).Format("2006-01-02"), name))
}

// csvSink writes an export as CSV for Excel in Sweden: UTF-8 with a byte order mark, semicolons.
type csvSink struct {
	w       http.ResponseWriter
	cw      *csv.Writer
	name    string
	now     time.Time
	header  []string
	row     func(c domain.Customer) []string
	started bool
	rows    int
}

func (k *csvSink) Begin(int) error {
	k.started = true
	attachment(k.w, "text/csv; charset=utf-8", k.name, k.now)
	k.cw = csv.NewWriter(k.w)
	k.cw.Comma = ';'
	if _, err := io.WriteString(k.w, "\uFEFF"); err != nil {
		return err
	}
	return k.cw.Write(k.header)
}

func (k *csvSink) Row(c domain.Customer, _ string) error {
	if err := stillWriting(k.w, &k.rows); err != nil {
		return err
	}
	cells := k.row(c)
	for i := range cells {
		cells[i] = export.SafeCell(cells[i])
	}
	return k.cw.Write(cells)
}

func (k *csvSink) flush() error {
	if k.cw == nil {
		return nil
	}
	k.cw.Flush()
	return k.cw.Error()
}

// registerColumns are the register export's columns: the customer's details as the register holds them,
// notes included; not contact persons, consent history or credit reports. Headers are in the reader's
// language (message ids "export.col.<column>").
var registerColumns = []string{"number", "kind", "name", "id_number", "email", "phone", "street", "postal_code",
	"city", "country", "marketing_consent", "created", "last_activity", "notes"}

func headers(ctx context.Context, cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = i18n.T(ctx, "export.col."+c)
	}
	return out
}

// registerRow returns the function that lays out one customer for the register export; the words it
// shows are looked up once per export, not once per row.
func registerRow(ctx context.Context) func(domain.Customer) []string {
	consent := map[bool]string{true: i18n.T(ctx, "export.yes"), false: i18n.T(ctx, "export.no")}
	kind := map[domain.CustomerKind]string{domain.Person: i18n.T(ctx, "customer.kind.person"),
		domain.Company: i18n.T(ctx, "customer.kind.company")}
	return func(c domain.Customer) []string {
		return []string{strconv.FormatInt(c.Number, 10), kind[c.Kind], c.Name, c.IDNumber, c.Email, c.Phone, c.Street,
			c.PostalCode, c.City, c.Country, consent[c.Consent], c.CreatedAt.In(domain.Stockholm).Format(dateLayout),
			c.LastActivityAt.In(domain.Stockholm).Format(dateLayout), c.Notes}
	}
}

func (s *Server) exportRegisterCSV(w http.ResponseWriter, r *http.Request) {
	req, ok := s.exportRequest(w, r, false)
	if !ok {
		return
	}
	sink := &csvSink{w: w, name: "kundregister.csv", now: s.Now(), header: headers(r.Context(), registerColumns),
		row: registerRow(r.Context())}
	err := s.Exports.Register(r.Context(), req, "csv", sink)
	if err == nil {
		err = sink.flush()
	}
	if err != nil {
		s.exportFailed(w, r, req, sink.started, err)
	}
}

func (s *Server) exportEmails(w http.ResponseWriter, r *http.Request) {
	req, ok := s.exportRequest(w, r, false)
	if !ok {
		return
	}
	// Only customers who agreed to marketing, unless the user ticks otherwise on purpose.
	consentOnly := r.PostForm.Get("all_emails") != "yes"
	sink := &csvSink{w: w, name: "e-postadresser.csv", now: s.Now(), header: headers(r.Context(), []string{"name", "email"}),
		row: func(c domain.Customer) []string { return []string{c.Name, c.Email} }}
	err := s.Exports.Emails(r.Context(), req, consentOnly, sink)
	if err == nil {
		err = sink.flush()
	}
	if err != nil {
		s.exportFailed(w, r, req, sink.started, err)
	}
}

// xlsxSink streams the register into a workbook.
type xlsxSink struct {
	ctx  context.Context
	row  func(domain.Customer) []string
	w    http.ResponseWriter
	x    *xlsx.Writer
	now  time.Time
	rows int
}

func (k *xlsxSink) Begin(int) error {
	attachment(k.w, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "kundregister.xlsx", k.now)
	var err error
	// The zip entries carry the time as the reader's clock showed it.
	k.x, err = xlsx.New(k.w, xlsx.Sheet{Name: "Kundregister", Header: headers(k.ctx, registerColumns), Modified: k.now.In(domain.Stockholm)})
	return err
}

func (k *xlsxSink) Row(c domain.Customer, _ string) error {
	if err := stillWriting(k.w, &k.rows); err != nil {
		return err
	}
	cells := k.row(c)
	row := make([]any, len(cells))
	row[0] = c.Number
	for i := 1; i < len(cells); i++ {
		row[i] = cells[i]
	}
	return k.x.Row(row...)
}

func (s *Server) exportRegisterXLSX(w http.ResponseWriter, r *http.Request) {
	req, ok := s.exportRequest(w, r, false)
	if !ok {
		return
	}
	sink := &xlsxSink{ctx: r.Context(), row: registerRow(r.Context()), w: w, now: s.Now()}
	err := s.Exports.Register(r.Context(), req, "xlsx", sink)
	if err == nil {
		err = sink.x.Close()
	}
	if err != nil {
		s.exportFailed(w, r, req, sink.x != nil, err)
	}
}

// labelSink gathers the addresses (at most export.MaxLabels) and renders the sheets at the end.
type labelSink struct{ addrs []labels.Address }

func (k *labelSink) Begin(n int) error { k.addrs = make([]labels.Address, 0, n); return nil }

func (k *labelSink) Row(c domain.Customer, contact string) error {
	k.addrs = append(k.addrs, labels.Address{Name: c.Name, Attention: contact, Street: c.Street,
		PostalCode: c.PostalCode, City: c.City, Country: c.Country})
	return nil
}

func (s *Server) exportLabels(w http.ResponseWriter, r *http.Request) {
	req, ok := s.exportRequest(w, r, true)
	if !ok {
		return
	}
	sink := &labelSink{}
	if err := s.Exports.Labels(r.Context(), req, sink); err != nil {
		s.exportFailed(w, r, req, false, err)
		return
	}
	var pdf bytes.Buffer
	if _, err := labels.Write(&pdf, sink.addrs); err != nil {
		s.fail(w, r, err)
		return
	}
	attachment(w, "application/pdf", "adressetiketter.pdf", s.Now())
	_, _ = pdf.WriteTo(w)
}
