package server

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"

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
		in.Lines = append(in.Lines, domain.QuoteLineInput{VATRate: "25"})
	}
	return in
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
	s.renderPage(w, r, http.StatusOK, quotes.FormPage(quotes.FormView{Nav: navFor(r), Title: i18n.T(r.Context(), "quote.new"),
		Action: customerURL(id) + "/quotes", Cancel: customerURL(id), CustomerName: c.Name, Input: withBlankRows(in)}))
}

func (s *Server) quoteCreate(w http.ResponseWriter, r *http.Request) {
	id, ok := idForm[domain.CustomerID](s, w, r)
	if !ok {
		return
	}
	in := quoteInput(r)
	q, err := s.Quotes.Create(r.Context(), id, in)
	var fe domain.FieldErrors
	if errors.As(err, &fe) {
		c, lerr := s.Customers.ForEdit(r.Context(), id)
		if lerr != nil {
			s.fail(w, r, lerr)
			return
		}
		s.renderPage(w, r, http.StatusUnprocessableEntity, quotes.FormPage(quotes.FormView{Nav: navFor(r),
			Title: i18n.T(r.Context(), "quote.new"), Action: customerURL(id) + "/quotes", Cancel: customerURL(id),
			CustomerName: c.Name, Input: in, Errors: fe}))
		return
	}
	s.done(w, r, err, "quote.created", quoteURL(q.ID))
}

func quoteEditForm(r *http.Request, q domain.Quote, c domain.Customer, in domain.QuoteInput, errs map[string]string) quotes.FormView {
	return quotes.FormView{Nav: navFor(r), Title: i18n.Tf(r.Context(), "quote.edit_title", strconv.FormatInt(q.Number, 10)),
		Action: quoteURL(q.ID), Cancel: quoteURL(q.ID), Version: strconv.Itoa(q.Version), CustomerName: c.Name,
		Input: in, Errors: errs}
}

func (s *Server) quoteEdit(w http.ResponseWriter, r *http.Request) {
	openEdit(s, w, r, s.quoteEditing(r))
}

func (s *Server) quoteUpdate(w http.ResponseWriter, r *http.Request) {
	saveEdit(s, w, r, s.quoteEditing(r))
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
			v.Notice = notice
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
	for _, rate := range domain.VATRates {
		if net, ok := q.Totals.NetByRate[rate]; ok {
			v.VAT = append(v.VAT, quotes.VATRow{Rate: strconv.Itoa(rate), Net: domain.FormatKronor(net),
				VAT: domain.FormatKronor(q.Totals.VATByRate[rate])})
		}
	}
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
