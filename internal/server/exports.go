package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/affar/affar/internal/authz"
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

// cutShort ends a download that failed after rows had left and the status was sent: breaking the
// connection is the only way left to tell the browser the file is incomplete (it then reports the
// download as failed).
func (s *Server) cutShort(r *http.Request, err error) {
	if !clientGone(r) { // a client that cut it short itself is in the access log, as 499
		s.Log.Error("download cut short", "request_id", RequestID(r.Context()), "path", r.URL.Path, "err", err)
	}
	panic(http.ErrAbortHandler)
}

// exportFailed answers an export that sent nothing: too many exports (429 with Retry-After), nothing
// selected or too much for one print (back to the CRM screen with the reason), or the usual errors.
func (s *Server) exportFailed(w http.ResponseWriter, r *http.Request, req export.Request, started bool, err error) {
	if started {
		s.cutShort(r, err)
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

// attachment sends a response as a download named filename (securityHeaders keeps every cache out of it).
func attachment(w http.ResponseWriter, contentType, filename string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, filename))
}

// dated is an export's file name: the day in Sweden, then name.
func dated(now time.Time, name string) string {
	return localDate(now) + "-" + name
}

// column is one column of a table going out as CSV or XLSX, declared once with everything the formats
// need to know about it.
type column[T any] struct {
	heading string // message id
	// value is a string (text), an int64 (a number) or an xlsx.Date (a date); "" and the zero Date are no
	// value: an empty CSV field, no XLSX cell at all.
	value func(*T) any
	plain bool // domain.Field.Plain: CSV writes it without the formula guard (export.Cell)
}

func headings[T any](ctx context.Context, cols []column[T]) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = i18n.T(ctx, c.heading)
	}
	return out
}

// csvCell is a value as CSV text: dates ISO, like the interface, and free text guarded against formulas.
func csvCell(v any, plain bool) string {
	switch v := v.(type) {
	case string:
		return export.Cell(v, plain)
	case int64:
		return strconv.FormatInt(v, 10)
	case xlsx.Date:
		return v.String()
	}
	panic(fmt.Sprintf("column value of type %T", v)) // a column declared wrong: every test of it fails
}

// csvTable writes a table as CSV for Excel in Sweden (export.NewCSV) with headings in the reader's
// language, as a download named name. The download starts with the first row, or at flush.
type csvTable[T any] struct {
	ctx   context.Context
	w     http.ResponseWriter
	name  string
	now   time.Time
	cw    *csv.Writer // nil until the download has started
	cols  []column[T]
	cells []string
	rows  int
}

func newCSVTable[T any](ctx context.Context, w http.ResponseWriter, name string, now time.Time, cols []column[T]) *csvTable[T] {
	return &csvTable[T]{ctx: ctx, w: w, name: name, now: now, cols: cols, cells: make([]string, len(cols))}
}

func (t *csvTable[T]) started() bool { return t.cw != nil }

// begin sends the download's headers, the byte order mark and the heading row, once.
func (t *csvTable[T]) begin() error {
	if t.started() {
		return nil
	}
	attachment(t.w, "text/csv; charset=utf-8", dated(t.now, t.name))
	var err error
	if t.cw, err = export.NewCSV(t.w); err != nil {
		return err
	}
	return t.cw.Write(headings(t.ctx, t.cols))
}

func (t *csvTable[T]) row(v T) error {
	if err := t.begin(); err != nil {
		return err
	}
	if err := stillWriting(t.w, &t.rows); err != nil {
		return err
	}
	for i, c := range t.cols {
		t.cells[i] = csvCell(c.value(&v), c.plain)
	}
	return t.cw.Write(t.cells)
}

// flush ends the download (a table without rows gets its headings alone).
func (t *csvTable[T]) flush() error {
	if err := t.begin(); err != nil {
		return err
	}
	t.cw.Flush()
	return t.cw.Error()
}

// csvSink takes a customer export as CSV.
type csvSink struct{ *csvTable[domain.Customer] }

func (k csvSink) Begin(int) error                       { return k.begin() }
func (k csvSink) Row(c domain.Customer, _ string) error { return k.row(c) }

// registerColumns are the register export's columns: the customer's details as the register holds them
// (domain.CustomerFields' exported fields), notes included; not contact persons, consent history or
// credit reports. The words they show are looked up once per export, not once per row.
func registerColumns(ctx context.Context) []column[domain.Customer] {
	var out []column[domain.Customer]
	for _, f := range domain.CustomerFields.Exported() {
		out = append(out, column[domain.Customer]{heading: f.Heading, value: exportValue(ctx, f), plain: f.Plain})
	}
	return maskIdentity(ctx, out)
}

// maskIdentity masks the identity number column (domain.MaskedIDNumber) unless the user may see full
// numbers (customer.view_identity), and then says so in its heading.
func maskIdentity(ctx context.Context, cols []column[domain.Customer]) []column[domain.Customer] {
	if a, _ := authz.ActorFrom(ctx); a.Can(authz.CustomerViewIdentity) {
		return cols
	}
	for i, c := range cols {
		if c.heading == "export.col.id_number" {
			cols[i].heading = "export.col.id_number_masked"
			cols[i].value = func(c *domain.Customer) any { return domain.MaskedIDNumber(c.IDNumber) }
		}
	}
	return cols
}

// exportValue reads field f of a customer as a column value: numbers and days as such, a yes or a no,
// text as stored, or the word for a value (ShowWord).
func exportValue(ctx context.Context, f domain.Field) func(*domain.Customer) any {
	get := domain.Getter[domain.Customer]("db", f.Name)
	var zero domain.Customer
	switch get(&zero).Interface().(type) {
	case bool:
		yesNo := map[bool]string{true: i18n.T(ctx, "export.yes"), false: i18n.T(ctx, "export.no")}
		return func(c *domain.Customer) any { return yesNo[get(c).Bool()] }
	case time.Time:
		return func(c *domain.Customer) any { return xlsx.DateOf(get(c).Interface().(time.Time).In(domain.Stockholm)) }
	case int64:
		return func(c *domain.Customer) any { return get(c).Int() }
	}
	if f.Show == domain.ShowWord {
		words := map[string]string{}
		return func(c *domain.Customer) any {
			v := get(c).String()
			if _, ok := words[v]; !ok {
				words[v] = i18n.T(ctx, f.Label+"."+v)
			}
			return words[v]
		}
	}
	if get(&zero).Kind() != reflect.String { // a new column type needs its case above, not garbage text
		panic("export: no column value for field " + f.Name + " of type " + get(&zero).Type().String())
	}
	return func(c *domain.Customer) any { return get(c).String() }
}

// emailColumns are the mailing export's: the register's name and e-mail columns.
func emailColumns(ctx context.Context) []column[domain.Customer] {
	var out []column[domain.Customer]
	for _, c := range registerColumns(ctx) {
		if c.heading == "export.col.name" || c.heading == "export.col.email" {
			out = append(out, c)
		}
	}
	return out
}

func (s *Server) exportRegisterCSV(w http.ResponseWriter, r *http.Request) {
	req, ok := s.exportRequest(w, r, false)
	if !ok {
		return
	}
	sink := csvSink{newCSVTable(r.Context(), w, "kundregister.csv", s.Now(), registerColumns(r.Context()))}
	err := s.Exports.Register(r.Context(), req, "csv", sink)
	if err == nil {
		err = sink.flush()
	}
	if err != nil {
		s.exportFailed(w, r, req, sink.started(), err)
	}
}

func (s *Server) exportEmails(w http.ResponseWriter, r *http.Request) {
	req, ok := s.exportRequest(w, r, false)
	if !ok {
		return
	}
	// Only customers who agreed to marketing, unless the user ticks otherwise on purpose.
	consentOnly := r.PostForm.Get("all_emails") != "yes"
	sink := csvSink{newCSVTable(r.Context(), w, "e-postadresser.csv", s.Now(), emailColumns(r.Context()))}
	err := s.Exports.Emails(r.Context(), req, consentOnly, sink)
	if err == nil {
		err = sink.flush()
	}
	if err != nil {
		s.exportFailed(w, r, req, sink.started(), err)
	}
}

// xlsxSink streams the register into a workbook: numbers, dates and text as such, never formulas.
type xlsxSink struct {
	ctx   context.Context
	cols  []column[domain.Customer]
	cells []any
	w     http.ResponseWriter
	x     *xlsx.Writer
	now   time.Time
	rows  int
}

func (k *xlsxSink) Begin(int) error {
	attachment(k.w, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", dated(k.now, "kundregister.xlsx"))
	var err error
	// The zip entries carry the time as the reader's clock showed it.
	k.x, err = xlsx.New(k.w, xlsx.Sheet{Name: i18n.T(k.ctx, "export.register.sheet"), Header: headings(k.ctx, k.cols),
		Modified: k.now.In(domain.Stockholm)})
	return err
}

func (k *xlsxSink) Row(c domain.Customer, _ string) error {
	if err := stillWriting(k.w, &k.rows); err != nil {
		return err
	}
	for i, col := range k.cols {
		k.cells[i] = col.value(&c)
	}
	return k.x.Row(k.cells...)
}

func (s *Server) exportRegisterXLSX(w http.ResponseWriter, r *http.Request) {
	req, ok := s.exportRequest(w, r, false)
	if !ok {
		return
	}
	cols := registerColumns(r.Context())
	sink := &xlsxSink{ctx: r.Context(), cols: cols, cells: make([]any, len(cols)), w: w, now: s.Now()}
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
	k.addrs = append(k.addrs, labels.Address{Number: c.Number, Name: c.Name, Attention: contact, Street: c.Street,
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
	if _, err := labels.Write(&pdf, sink.addrs, labelNotice(r.Context())); err != nil {
		s.fail(w, r, err)
		return
	}
	attachment(w, "application/pdf", dated(s.Now(), "adressetiketter.pdf"))
	_, _ = pdf.WriteTo(w)
}

// labelNotice words the page that ends a label print listing the labels with characters the font lacks.
func labelNotice(ctx context.Context) labels.Notice {
	// A label's sheet, row and column name its place, as the customer number names the customer: they
	// count nothing, so they have no singular and plural forms.
	place := func(n int) string { return strconv.FormatInt(int64(n), 10) }
	return labels.Notice{
		Title: i18n.T(ctx, "crm.labels_inexact_title"),
		Body:  i18n.T(ctx, "crm.labels_inexact_body"),
		Label: func(l labels.Inexact) string {
			return i18n.Tf(ctx, "crm.labels_inexact_label", place(l.Sheet), place(l.Row), place(l.Column),
				strconv.FormatInt(l.Number, 10))
		},
		More: func(n int) string { return i18n.N(ctx, "crm.labels_inexact_more", n) },
	}
}
