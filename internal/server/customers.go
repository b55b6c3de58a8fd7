package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/a-h/templ"

	"github.com/affar/affar/internal/accesscopy"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/customer"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/templates/components"
	"github.com/affar/affar/templates/customers"
)

// customerCols are the register's columns, each sortable; customerSorts adds the order by creation,
// which has no column.
var (
	customerCols = []sortColumn{{string(domain.SortNumber), "customer.number", false},
		{string(domain.SortName), "customer.name", false}, {string(domain.SortActivity), "customer.last_activity", false},
		{string(domain.SortIDNumber), "customer.id_number_short", false}, {string(domain.SortEmail), "customer.email", false},
		{string(domain.SortPhone), "customer.phone", false}, {string(domain.SortCity), "customer.city", false}}
	customerSorts = append(slices.Clone(customerCols), sortColumn{string(domain.SortCreated), "", false})
)

// parseFilter reads the list's query string; bad dates are reported beside their field, not fatal.
func parseFilter(q url.Values) (domain.CustomerFilter, customers.Filter, domain.ListRequest) {
	view := customers.Filter{Q: q.Get("q"), Kind: q.Get("kind"), City: q.Get("city"), Consent: q.Get("consent"),
		CreatedFrom: q.Get("created_from"), CreatedTo: q.Get("created_to"), ActiveFrom: q.Get("active_from"),
		ActiveTo: q.Get("active_to"), Sort: q.Get("sort"), Dir: q.Get("dir"), Size: q.Get("size"), Errors: map[string]string{}}
	// The filters the list shares with the CRM screen are read as it reads them.
	seg, _, errs := parseSegment(url.Values{"kind": {view.Kind}, "city": {view.City}, "consent": {view.Consent},
		"created_from": {view.CreatedFrom}, "created_to": {view.CreatedTo}, "active_from": {view.ActiveFrom},
		"active_to": {view.ActiveTo}})
	view.Errors = errs
	r, _ := listRequest(q, customerSorts, 1)
	if r.Sort != view.Sort {
		view.Sort = ""
	}
	f := domain.CustomerFilter{Q: searchable(view.Q), Kind: seg.Kind, City: seg.City, Consent: seg.Consent,
		CreatedFrom: seg.CreatedFrom, CreatedTo: seg.CreatedTo, ActiveFrom: seg.ActiveFrom, ActiveTo: seg.ActiveTo,
		Sort: domain.CustomerSort(r.Sort), Desc: r.Desc, After: domain.CustomerID(r.After),
		Before: domain.CustomerID(r.Before), Last: r.Last, Limit: r.Limit}
	return f, view, r
}

// filtered reports whether the list's query narrows the register (a search or a filter).
func filtered(q url.Values) bool {
	for _, k := range []string{"q", "kind", "city", "consent", "created_from", "created_to", "active_from", "active_to"} {
		if strings.TrimSpace(q.Get(k)) != "" {
			return true
		}
	}
	return false
}

// searchable drops what no stored value can contain (invalid UTF-8, control characters), so a stray byte
// in a search is no error.
func searchable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
}

// listURL is the list with the current filter, order and page size and the given changes.
func listURL(q url.Values, set map[string]string) string {
	return queryURL("/customers", q, append([]string{"q", "kind", "city", "consent", "created_from", "created_to",
		"active_from", "active_to"}, listKeep...), set)
}

func (s *Server) customerList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, fv, req := parseFilter(q)
	page, err := s.Customers.List(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if id, ok := numberMatch(f, page); ok { // a customer number typed in the search opens the customer
		redirect(w, r, customerURL(id))
		return
	}
	a, _ := authz.ActorFrom(r.Context())
	v := customers.ListView{Nav: navFor(r), Flash: s.flash(r), Filter: fv, CanCreate: a.Can(authz.CustomerCreate)}
	for _, c := range page.Rows {
		v.Rows = append(v.Rows, customers.Row{ID: int64(c.ID), Number: c.Number, Name: displayName(r.Context(), c),
			KindKey: "customer.kind." + string(c.Kind), IDNumber: domain.MaskedIDNumber(c.IDNumber), Email: c.Email, Phone: c.Phone,
			City: c.City, LastActivity: c.LastActivityAt.In(domain.Stockholm).Format(domain.DateLayout), Anonymised: c.AnonymisedAt != nil,
			Restricted: c.Restricted()})
	}
	var first, last int64
	if n := len(page.Rows); n > 0 {
		first, last = int64(page.Rows[0].ID), int64(page.Rows[n-1].ID)
	}
	urlFor := func(set map[string]string) string { return listURL(q, set) }
	p := pageLinks(q, req, len(page.Rows), first, last, page.HasPrev, page.HasNext, page.Total, page.Capped, urlFor)
	v.Showing, v.FirstURL, v.PrevURL, v.NextURL, v.LastURL = p.Showing, p.First, p.Prev, p.Next, p.Last
	v.Sizes, v.Sorts = pageSizes(req.Limit, urlFor), sortLinks(customerCols, req, urlFor)
	switch {
	case filtered(q):
		v.EmptyKey, v.EmptyActions = "customers.none", []components.Action{{Key: "list.clear_filter", URL: "/customers"}}
	case v.CanCreate:
		v.EmptyKey, v.EmptyActions = "customers.empty", []components.Action{{Key: "customers.new", URL: "/customers/new"}}
	default:
		v.EmptyKey = "customers.empty"
	}
	s.renderPage(w, r, http.StatusOK, customers.ListPage(v))
}

// numberMatch is the customer a search finds by its number alone: the first page's one row, when the
// search is that customer's number.
func numberMatch(f domain.CustomerFilter, page domain.CustomerPage) (domain.CustomerID, bool) {
	if f.After != 0 || f.Before != 0 || f.Last || len(page.Rows) != 1 || page.HasNext || page.HasPrev {
		return 0, false
	}
	q := strings.TrimSpace(f.Q)
	n, err := strconv.ParseInt(q, 10, 64)
	if err != nil || strings.Trim(q, "0123456789") != "" || page.Rows[0].Number != n {
		return 0, false
	}
	return page.Rows[0].ID, true
}

func (s *Server) customerForm(r *http.Request, in domain.CustomerInput, errs map[string]string) customers.FormView {
	return customers.FormView{Nav: navFor(r), Input: in, Errors: errs, Sources: domain.ConsentSources}
}

func (s *Server) customerNew(w http.ResponseWriter, r *http.Request) {
	v := s.customerForm(r, domain.CustomerInput{Kind: "person", Country: "SE"}, nil)
	v.Title, v.Action, v.Cancel, v.IsNew = i18n.T(r.Context(), "customers.new"), "/customers", "/customers", true
	s.renderPage(w, r, http.StatusOK, customers.FormPage(v))
}

func (s *Server) customerCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	in := customerInput(r)
	consent := customer.NewConsent{Given: r.PostForm.Get("consent") == "yes", Source: r.PostForm.Get("consent_source"),
		LiftObjection: r.PostForm.Get("lift_objection") == "yes"}
	confirmed := r.PostForm.Get("confirm_erased") == "yes"
	c, err := s.Customers.Create(r.Context(), in, consent, confirmed)
	var (
		fe       domain.FieldErrors
		erased   *customer.ErasedBefore
		objected *customer.ObjectedBefore
	)
	if errors.As(err, &fe) || errors.As(err, &erased) || errors.As(err, &objected) {
		v := s.customerForm(r, in, fe)
		v.Title, v.Action, v.Cancel, v.IsNew = i18n.T(r.Context(), "customers.new"), "/customers", "/customers", true
		v.ConsentGiven, v.ConsentSource, v.ErasedConfirmed = consent.Given, consent.Source, confirmed
		status := http.StatusUnprocessableEntity
		switch {
		case erased != nil: // the same person was erased before: create only if the user confirms
			v.Erased, v.Objection, status = true, objectionWarning(r.Context(), erased.Objection), http.StatusConflict
			if !erased.At.IsZero() { // shown to those who may read the erasure register
				v.ErasedOn = localDate(erased.At)
			}
		case objected != nil: // consent for someone who objected: only when the user confirms it lifts the objection
			v.Objection, status = objectionWarning(r.Context(), &objected.Objection), http.StatusConflict
		}
		v.AskLift = v.Objection != "" && consent.Given
		s.renderPage(w, r, status, customers.FormPage(v))
		return
	}
	s.done(w, r, err, "customer.created", customerURL(c.ID))
}

func (s *Server) customerEdit(w http.ResponseWriter, r *http.Request) {
	openEdit(s, w, r, s.customerEditing(r))
}

func (s *Server) editView(r *http.Request, c domain.Customer, in domain.CustomerInput, errs map[string]string) customers.FormView {
	v := s.customerForm(r, in, errs)
	v.Version = strconv.FormatInt(customer.Version(c), 10)
	v.Title = i18n.Tf(r.Context(), "customer.edit_title", strconv.FormatInt(c.Number, 10))
	v.Action = customerURL(c.ID)
	v.Cancel = customerURL(c.ID)
	v.IdentityMasked = identityMasked(r.Context(), c)
	return v
}

// identityMasked reports whether the edit form shows c's identity number masked: to a user who may edit
// but not see full numbers (customer.view_identity). The masked value posted back unchanged keeps the
// stored number (customer.Service.Update); typing the whole number replaces it.
func identityMasked(ctx context.Context, c domain.Customer) bool {
	a, _ := authz.ActorFrom(ctx)
	return !a.Can(authz.CustomerViewIdentity) && domain.MaskedIDNumber(c.IDNumber) != c.IDNumber
}

// shownInput is the edit form's values for c, the identity number masked where identityMasked says.
func shownInput(ctx context.Context, c domain.Customer) domain.CustomerInput {
	in := c.Input()
	if identityMasked(ctx, c) {
		in.IDNumber = domain.MaskedIDNumber(c.IDNumber)
	}
	return in
}

func (s *Server) customerUpdate(w http.ResponseWriter, r *http.Request) {
	saveEdit(s, w, r, s.customerEditing(r))
}

// customerEditing is the edit form; opened from a data subject's request (?request=2026-0001) it rectifies
// on that request and returns to it.
func (s *Server) customerEditing(r *http.Request) edit[domain.CustomerID, domain.CustomerInput, domain.Customer] {
	onRequest := func() string { // the form is parsed by the time the closures below run
		if r.Method == http.MethodPost {
			return requestParam(r.PostForm)
		}
		return requestParam(r.URL.Query())
	}
	var request int64 // the request the saved change was recorded on
	return edit[domain.CustomerID, domain.CustomerInput, domain.Customer]{
		Input: customerInput, Shown: func(c domain.Customer) domain.CustomerInput { return shownInput(r.Context(), c) },
		Load:  s.Customers.ForEdit,
		Stale: customer.Stale, Saved: "customer.saved",
		URL: func(id domain.CustomerID) string {
			if request != 0 {
				return requestURL(request) + "#actions"
			}
			return customerURL(id)
		},
		Update: func(ctx context.Context, id domain.CustomerID, in domain.CustomerInput, version int64) (err error) {
			_, request, err = s.Customers.Rectify(ctx, id, in, version, onRequest())
			return err
		},
		Form: func(c domain.Customer, in domain.CustomerInput, errs domain.FieldErrors, notice string) templ.Component {
			v := s.editView(r, c, in, errs)
			v.Notice, v.Request = notice, onRequest()
			return customers.FormPage(v)
		}}
}

func (s *Server) customerShow(w http.ResponseWriter, r *http.Request) {
	id, err := customerID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderCustomer(w, r, id, http.StatusOK, nil, nil)
}

// customerIdentity is the customer page's "Visa": the page again with the full identity number, audited
// by the service.
func (s *Server) customerIdentity(w http.ResponseWriter, r *http.Request) {
	id, ok := idForm[domain.CustomerID](s, w, r)
	if !ok {
		return
	}
	n, err := s.Customers.IdentityNumber(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderCustomer(w, r, id, http.StatusOK, nil, func(v *customers.ShowView) {
		for i, d := range v.Details {
			if d.Reveal {
				v.Details[i] = customers.Detail{Key: d.Key, Value: n}
			}
		}
	})
}

// renderCustomer renders the customer page, with a sub-form's typed values and errors after a failed POST.
func (s *Server) renderCustomer(w http.ResponseWriter, r *http.Request, id domain.CustomerID, status int,
	errs domain.FieldErrors, fill func(*customers.ShowView)) {
	ctx := r.Context()
	d, err := s.Customers.View(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, _ := authz.ActorFrom(ctx)
	c := d.Customer
	v := customers.ShowView{Nav: navFor(r), Flash: s.flash(r), ID: int64(c.ID), Number: c.Number, Name: c.Name,
		ShowContacts: c.Kind == domain.Company || len(d.Contacts) > 0, ConsentGiven: c.Consent, Contacts: d.Contacts,
		CanEdit: a.Can(authz.CustomerEdit) && c.Editable() == nil, ShowCredit: d.CreditReports != nil,
		CanAddCredit: a.Can(authz.CreditReportAccess) && c.Editable() == nil, ShowAccess: a.Can(authz.AuditView),
		Sources: domain.ConsentSources, Bureaus: customer.Bureaus, Errors: errs}
	v.CanAddContact = v.CanEdit && c.Kind == domain.Company
	v.CanExport, v.CanDelete = a.Can(authz.CustomerExport), a.Can(authz.CustomerDelete)
	v.CopyNeeds = strings.Join(missingPermissions(ctx, Needs(gdpr.CopyPermissions...), a), ", ")
	v.CanAnonymise = a.Can(authz.CustomerAnonymise) && c.AnonymisedAt == nil
	if c.AnonymisedAt != nil {
		v.Anonymised = localDate(*c.AnonymisedAt)
		v.Name = displayName(ctx, c)
	}
	v.Details = customerDetails(ctx, c)
	restrictionMarks(&v, a, c, s.requestNumber(ctx))
	objectionView(ctx, &v, d)
	customerRows(ctx, &v, d)
	if fill != nil {
		fill(&v)
	}
	s.renderPage(w, r, status, customers.ShowPage(v))
}

// customerRows fills the page's lists below the details: credit reports, access log, quotes and how long
// the customer's personal data is kept.
func customerRows(ctx context.Context, v *customers.ShowView, d customer.Detail) {
	for _, cr := range d.CreditReports {
		v.Credit = append(v.Credit, customers.CreditRow{TakenOn: cr.TakenOn.Format(domain.DateLayout), Bureau: cr.Bureau,
			Rating: cr.Rating, Limit: domain.FormatKronor(cr.LimitOre), Remarks: cr.Remarks, RecordedBy: cr.RecordedBy,
			NeedKey: "credit.need." + string(cr.Need), Reference: cr.Reference})
	}
	v.Access, v.AccessURL = accessRows(ctx, d.Access), customerURL(d.Customer.ID)+"/access"
	v.Erasable, v.Held, v.CanAddQuote = accesscopy.Storage(ctx, d.Rule, d.Hold), d.Hold.Quote != nil, v.CanEdit
	for _, q := range d.Quotes {
		v.Quotes = append(v.Quotes, customers.QuoteRow{ID: int64(q.ID), Number: q.Number, Date: q.QuoteDate.Format(domain.DateLayout),
			ValidUntil: q.ValidUntil.Format(domain.DateLayout), StatusKey: "quote.status." + string(q.Status),
			Total: domain.FormatKronor(q.Totals.TotalOre)})
	}
}

// customerPost runs a POST on a customer's sub-form: on invalid input the page is shown again with the
// errors and what was typed (fill); otherwise POST/redirect/GET with the flash do names.
func (s *Server) customerPost(w http.ResponseWriter, r *http.Request,
	do func(id domain.CustomerID) (flash string, err error), fill func(*customers.ShowView)) {
	id, ok := idForm[domain.CustomerID](s, w, r)
	if !ok {
		return
	}
	flash, err := do(id)
	var fe domain.FieldErrors
	if errors.As(err, &fe) {
		s.renderCustomer(w, r, id, http.StatusUnprocessableEntity, fe, fill)
		return
	}
	s.done(w, r, err, flash, customerURL(id))
}

func (s *Server) contactAdd(w http.ResponseWriter, r *http.Request) {
	var in domain.ContactInput
	s.customerPost(w, r, func(id domain.CustomerID) (string, error) {
		in = domain.ContactInput{Name: r.PostForm.Get("contact_name"), Role: r.PostForm.Get("contact_role"),
			Email: r.PostForm.Get("contact_email"), Phone: r.PostForm.Get("contact_phone")}
		return "contacts.added", s.Customers.AddContact(r.Context(), id, in)
	}, func(v *customers.ShowView) { v.ContactInput = in })
}

func (s *Server) contactRemove(w http.ResponseWriter, r *http.Request) {
	s.customerPost(w, r, func(id domain.CustomerID) (string, error) {
		contactID, err := pathID[int64](r, "contactID")
		if err != nil {
			return "", err
		}
		return "contacts.removed", s.Customers.RemoveContact(r.Context(), id, contactID)
	}, nil)
}

func (s *Server) consentSet(w http.ResponseWriter, r *http.Request) {
	var source string
	s.customerPost(w, r, func(id domain.CustomerID) (string, error) {
		source = r.PostForm.Get("consent_source")
		given := r.PostForm.Get("given") == "true"
		switch {
		case !given:
			return "consent.withdrawal_saved", s.Customers.SetConsent(r.Context(), id, false, source) // not "consent recorded"
		case r.PostForm.Get("lift_objection") == "yes": // confirmed: the person's own new consent lifts their objection
			return "objection.lifted", s.Customers.ConsentLiftingObjection(r.Context(), id, source)
		}
		return "consent.saved", s.Customers.SetConsent(r.Context(), id, true, source)
	}, func(v *customers.ShowView) { v.ConsentSource = source })
}

func (s *Server) creditReportAdd(w http.ResponseWriter, r *http.Request) {
	var in customer.CreditReportInput
	s.customerPost(w, r, func(id domain.CustomerID) (string, error) {
		f := r.PostForm
		in = customer.CreditReportInput{Bureau: f.Get("bureau"), TakenOn: f.Get("taken_on"), Rating: f.Get("rating"),
			Limit: f.Get("limit"), Remarks: f.Get("remarks"), Need: f.Get("credit_need"), Reference: f.Get("credit_reference")}
		return "credit.added", s.Customers.AddCreditReport(r.Context(), id, in)
	}, func(v *customers.ShowView) { v.CreditInput = customers.CreditInput(in) })
}

// accessRow is an audit event about a customer as its page and its export show it.
