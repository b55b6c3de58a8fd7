package server

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/quote"
	"github.com/affar/affar/templates/layout"
	"github.com/affar/affar/templates/quotes"
)

// blankLines is how many empty rows the quote form offers beyond the existing lines.
const blankLines = 3

// quoteInput reads the posted form: the line fields come as parallel lists, one entry per row.
func quoteInput(r *http.Request) domain.QuoteInput {
	f := r.PostForm
	in := domain.QuoteInput{QuoteDate: f.Get("quote_date"), ValidUntil: f.Get("valid_until")}
	desc, qty, price, vat := f["description"], f["quantity"], f["unit_price"], f["vat_rate"]
	for i := range desc {
		at := func(xs []string) string {
			if i < len(xs) {
				return xs[i]
			}
			return ""
		}
		in.Lines = append(in.Lines, domain.QuoteLineInput{Description: desc[i], Quantity: at(qty), UnitPrice: at(price), VATRate: at(vat)})
	}
	return in
}

// withBlankRows adds empty rows to fill in, keeping the typed ones (and their indexes, which the
// messages refer to).
func withBlankRows(in domain.QuoteInput) domain.QuoteInput {
	for range blankLines {
		in.Lines = append(in.Lines, blankLine())
	}
	return in
}

// blankLine is an empty row, at the usual VAT rate.
func blankLine() domain.QuoteLineInput { return domain.QuoteLineInput{VATRate: "25"} }

// lineOp applies what a row button of the quote form asked (its op: "add" a row, "remove_N" row N) to
// what was typed; ok is false when the form was submitted to be saved. Nothing typed in the other rows is
// lost, and the form keeps at least one row.
func lineOp(in domain.QuoteInput, op string) (out domain.QuoteInput, focus int, ok bool) {
	switch n, isRemove := strings.CutPrefix(op, "remove_"); {
	case op == "add":
		if len(in.Lines) < domain.MaxQuoteLines+blankLines {
			in.Lines = append(in.Lines, blankLine())
			focus = len(in.Lines)
		}
	case isRemove:
		if i, err := strconv.Atoi(n); err == nil && i >= 0 && i < len(in.Lines) {
			in.Lines = slices.Delete(slices.Clone(in.Lines), i, i+1)
		}
		if len(in.Lines) == 0 {
			in.Lines = append(in.Lines, blankLine())
		}
	default:
		return in, 0, false
	}
	return in, focus, true
}

// sumsOf are the form's sums as typed, computed as a saved quote's are.
func sumsOf(p domain.QuotePreview) quotes.Sums {
	s := quotes.Sums{Nets: make([]string, len(p.Nets))}
	for i, n := range p.Nets {
		if n != nil {
			s.Nets[i] = domain.FormatKronor(*n)
		}
	}
	if p.Totals.Exceeded {
		s.Net, s.Total = "—", "—"
		return s
	}
	s.Net, s.Total, s.VAT = domain.FormatKronor(p.Totals.NetOre), domain.FormatKronor(p.Totals.TotalOre), vatRows(p.Totals)
	return s
}

// vatRows are the VAT of each rate a quote has, in the rates' order.
func vatRows(t domain.QuoteTotals) []quotes.VATRow {
	var out []quotes.VATRow
	for _, rate := range domain.VATRates {
		if net, ok := t.NetByRate[rate]; ok {
			out = append(out, quotes.VATRow{Rate: strconv.Itoa(rate), Net: domain.FormatKronor(net),
				VAT: domain.FormatKronor(t.VATByRate[rate])})
		}
	}
	return out
}

// quoteForm renders the quote form with its sums.
func (s *Server) quoteForm(w http.ResponseWriter, r *http.Request, status int, v quotes.FormView) {
	v.Sums = sumsOf(domain.PreviewQuote(v.Input.Lines))
	s.renderPage(w, r, status, quotes.FormPage(v))
}

// quoteLines is the line editor with script: the form's rows after a row button (add or remove), with
// what was typed and the sums; nothing is saved.
func (s *Server) quoteLines(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	in, focus, _ := lineOp(quoteInput(r), r.PostForm.Get("op"))
	p, err := s.Quotes.Preview(r.Context(), in.Lines)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderPage(w, r, http.StatusOK, quotes.LinesBox(quotes.FormView{Input: in, Focus: focus, Sums: sumsOf(p)}))
}

// quotePreview answers the form's sums as typed, computed on the server; nothing is saved. A row whose
// amount cannot be read yet shows no net and counts in no total.
func (s *Server) quotePreview(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	p, err := s.Quotes.Preview(r.Context(), quoteInput(r).Lines)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderPage(w, r, http.StatusOK, quotes.Preview(sumsOf(p)))
}

func inputOf(q domain.Quote) domain.QuoteInput {
	in := domain.QuoteInput{QuoteDate: q.QuoteDate.Format(domain.DateLayout), ValidUntil: q.ValidUntil.Format(domain.DateLayout)}
	for _, l := range q.Lines {
		in.Lines = append(in.Lines, domain.QuoteLineInput{Description: l.Description, Quantity: domain.FormatQuantity(l.QtyMilli),
			UnitPrice: kronorInput(l.UnitPriceOre), VATRate: strconv.Itoa(l.VATRate)})
	}
	return in
}

// kronorInput writes öre as a form value: "1234,50".
func kronorInput(ore int64) string {
	return strconv.FormatInt(ore/100, 10) + "," + strconv.FormatInt(100+ore%100, 10)[1:]
}

func (s *Server) quoteNew(w http.ResponseWriter, r *http.Request) {
	id, err := customerID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.Customers.ForEdit(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	today := s.Now().In(domain.Stockholm)
	in := domain.QuoteInput{QuoteDate: today.Format(domain.DateLayout), ValidUntil: today.AddDate(0, 0, 30).Format(domain.DateLayout)}
	s.quoteForm(w, r, http.StatusOK, quotes.FormView{Nav: navFor(r), Title: i18n.T(r.Context(), "quote.new"),
		Action: customerURL(id) + "/quotes", Cancel: customerURL(id), CustomerName: c.Name, Input: withBlankRows(in)})
}

func (s *Server) quoteCreate(w http.ResponseWriter, r *http.Request) {
	id, ok := idForm[domain.CustomerID](s, w, r)
	if !ok {
		return
	}
	in, focus, isOp := lineOp(quoteInput(r), r.PostForm.Get("op"))
	var fe domain.FieldErrors
	if !isOp {
		q, err := s.Quotes.Create(r.Context(), id, in)
		if !errors.As(err, &fe) {
			s.done(w, r, err, "quote.created", quoteURL(q.ID))
			return
		}
	}
	c, err := s.Customers.ForEdit(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusUnprocessableEntity
	if isOp {
		status = http.StatusOK
	}
	s.quoteForm(w, r, status, quotes.FormView{Nav: navFor(r), Title: i18n.T(r.Context(), "quote.new"),
		Action: customerURL(id) + "/quotes", Cancel: customerURL(id), CustomerName: c.Name, Input: in, Errors: fe, Focus: focus})
}

func quoteEditForm(r *http.Request, q domain.Quote, c domain.Customer, in domain.QuoteInput, errs map[string]string) quotes.FormView {
	return quotes.FormView{Nav: navFor(r), Title: i18n.Tf(r.Context(), "quote.edit_title", strconv.FormatInt(q.Number, 10)),
		Action: quoteURL(q.ID), Cancel: quoteURL(q.ID), Version: strconv.Itoa(q.Version), CustomerName: c.Name,
		Input: in, Errors: errs}
}

func (s *Server) quoteEdit(w http.ResponseWriter, r *http.Request) {
	openEdit(s, w, r, s.quoteEditing(r))
}

// quoteUpdate saves the edit form, or, when a row button was pressed without script, shows the form again
// with the row added or removed, nothing saved and the version the form was opened at kept.
func (s *Server) quoteUpdate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	in, focus, isOp := lineOp(quoteInput(r), r.PostForm.Get("op"))
	if !isOp {
		saveEdit(s, w, r, s.quoteEditing(r))
		return
	}
	id, err := quoteID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q, c, err := s.Quotes.ForEdit(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := quoteEditForm(r, q, c, in, nil)
	v.Version, v.Focus = r.PostForm.Get("version"), focus
	s.quoteForm(w, r, http.StatusOK, v)
}

// draft is what a quote's edit form is built from: the quote and its customer.
type draft struct {
	q domain.Quote
	c domain.Customer
}

func (s *Server) quoteEditing(r *http.Request) edit[domain.QuoteID, domain.QuoteInput, draft] {
	return edit[domain.QuoteID, domain.QuoteInput, draft]{
		Input: quoteInput, Shown: func(d draft) domain.QuoteInput { return withBlankRows(inputOf(d.q)) },
		Stale: quote.Stale, Saved: "quote.saved", URL: quoteURL,
		Update: func(ctx context.Context, id domain.QuoteID, in domain.QuoteInput, version int64) error {
			return s.Quotes.Update(ctx, id, in, int(version))
		},
		Load: func(ctx context.Context, id domain.QuoteID) (draft, error) {
			q, c, err := s.Quotes.ForEdit(ctx, id)
			return draft{q, c}, err
		},
		Form: func(d draft, in domain.QuoteInput, errs domain.FieldErrors, notice string) templ.Component {
			v := quoteEditForm(r, d.q, d.c, in, errs)
			v.Notice, v.Sums = notice, sumsOf(domain.PreviewQuote(in.Lines))
			return quotes.FormPage(v)
		}}
}

func (s *Server) quoteShow(w http.ResponseWriter, r *http.Request) {
	id, err := quoteID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	q, c, err := s.Quotes.View(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, _ := authz.ActorFrom(ctx)
	mayChange := a.Can(authz.CustomerEdit) && c.AnonymisedAt == nil
	v := quotes.ShowView{Nav: navFor(r), Flash: s.flash(r), ID: int64(q.ID), Number: q.Number,
		StatusKey: "quote.status." + string(q.Status), CustomerID: int64(q.CustomerID), CustomerName: c.Name,
		QuoteDate: q.QuoteDate.Format(domain.DateLayout), ValidUntil: q.ValidUntil.Format(domain.DateLayout),
		Net: domain.FormatKronor(q.Totals.NetOre), VATTotal: domain.FormatKronor(q.Totals.VATOre),
		Total: domain.FormatKronor(q.Totals.TotalOre), CanEdit: mayChange && q.Status == domain.QuoteDraft, CanEmail: mayChange}
	if q.SentAt != nil {
		v.Billing = &q.Billing
	}
	if q.Totals.Exceeded { // stored before the cap: no amount is made up, the draft can be corrected
		v.Net, v.VATTotal, v.Total = "—", "—", "—"
		if v.Flash == nil {
			v.Flash = &layout.Flash{Kind: layout.FlashWarning, Text: i18n.T(ctx, "quote.amount_exceeded")}
		}
	}
	for _, l := range q.Lines {
		net := "—"
		if n, err := l.Net(); err == nil {
			net = domain.FormatKronor(n)
		}
		v.Lines = append(v.Lines, quotes.Line{Description: l.Description, Quantity: domain.FormatQuantity(l.QtyMilli),
			UnitPrice: domain.FormatKronor(l.UnitPriceOre), VATRate: strconv.Itoa(l.VATRate) + " %", Net: net})
	}
	v.VAT = vatRows(q.Totals)
	if mayChange {
		for _, next := range quoteActions {
			if q.Status.CanBecome(next) {
				v.Actions = append(v.Actions, string(next))
			}
		}
	}
	s.renderPage(w, r, http.StatusOK, quotes.ShowPage(v))
}

// quoteActions are the statuses a user may move a quote to, in the order the page offers them.
var quoteActions = []domain.QuoteStatus{domain.QuoteSent, domain.QuoteAccepted, domain.QuoteRejected, domain.QuoteExpired}

func (s *Server) quoteStatus(w http.ResponseWriter, r *http.Request) {
	id, ok := idForm[domain.QuoteID](s, w, r)
	if !ok {
		return
	}
	next := domain.QuoteStatus(r.PostForm.Get("status"))
	if !slices.Contains(quoteActions, next) {
		s.renderError(w, r, http.StatusUnprocessableEntity, "")
		return
	}
	s.done(w, r, s.Quotes.SetStatus(r.Context(), id, next), "quote.status_saved", quoteURL(id))
}
