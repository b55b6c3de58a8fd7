package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/a-h/templ"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/supplier"
	"github.com/affar/affar/templates/components"
	"github.com/affar/affar/templates/suppliers"
)

// supplierCols are the supplier list's columns, each sortable; by name unless chosen otherwise.
var supplierCols = []sortColumn{{"number", "customer.number", false}, {"name", "customer.name", false},
	{"org", "customer.orgnumber", false}, {"email", "customer.email", false}, {"phone", "customer.phone", false},
	{"city", "customer.city", false}}

func (s *Server) supplierList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	search := searchable(q.Get("q"))
	req, _ := listRequest(q, supplierCols, 1)
	page, err := s.Suppliers.List(r.Context(), search, req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, _ := authz.ActorFrom(r.Context())
	v := suppliers.ListView{Nav: navFor(r), Flash: s.flash(r), Q: q.Get("q"), Sort: q.Get("sort"), Dir: q.Get("dir"),
		Size: q.Get("size"), Rows: page.Rows, CanCreate: a.Can(authz.SupplierCreate)}
	var first, last int64
	if n := len(page.Rows); n > 0 {
		first, last = int64(page.Rows[0].ID), int64(page.Rows[n-1].ID)
	}
	urlFor := func(set map[string]string) string {
		return queryURL("/suppliers", q, append([]string{"q"}, listKeep...), set)
	}
	p := pageLinks(q, req, len(page.Rows), first, last, page.HasPrev, page.HasNext, page.Total, page.Capped, urlFor)
	v.Showing, v.Pager = p.Showing, p.pages()
	v.Sizes, v.Sorts = pageSizes(req.Limit, urlFor), sortLinks(supplierCols, req, urlFor)
	switch {
	case search != "":
		v.EmptyKey, v.EmptyActions = "suppliers.none", []components.Action{{Key: "list.clear_filter", URL: "/suppliers"}}
	case v.CanCreate:
		v.EmptyKey, v.EmptyActions = "suppliers.empty", []components.Action{{Key: "suppliers.new", URL: "/suppliers/new"}}
	default:
		v.EmptyKey = "suppliers.empty"
	}
	s.renderPage(w, r, http.StatusOK, suppliers.ListPage(v))
}

func (s *Server) supplierNew(w http.ResponseWriter, r *http.Request) {
	s.renderPage(w, r, http.StatusOK, suppliers.FormPage(suppliers.FormView{Nav: navFor(r),
		Title: i18n.T(r.Context(), "suppliers.new"), Action: "/suppliers", Cancel: "/suppliers",
		Input: domain.SupplierInput{Country: "SE"}}))
}

func (s *Server) supplierCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	in := supplierInput(r)
	sup, err := s.Suppliers.Create(r.Context(), in)
	var fe domain.FieldErrors
	if errors.As(err, &fe) {
		s.renderPage(w, r, http.StatusUnprocessableEntity, suppliers.FormPage(suppliers.FormView{Nav: navFor(r),
			Title: i18n.T(r.Context(), "suppliers.new"), Action: "/suppliers", Cancel: "/suppliers", Input: in, Errors: fe}))
		return
	}
	s.done(w, r, err, "supplier.created", supplierURL(sup.ID))
}

func (s *Server) supplierEditView(r *http.Request, sup domain.Supplier, in domain.SupplierInput, errs map[string]string) suppliers.FormView {
	return suppliers.FormView{Nav: navFor(r), Title: i18n.Tf(r.Context(), "supplier.edit_title", strconv.FormatInt(sup.Number, 10)),
		Action: supplierURL(sup.ID), Cancel: supplierURL(sup.ID), Version: strconv.Itoa(sup.Version), Input: in, Errors: errs}
}

func (s *Server) supplierEdit(w http.ResponseWriter, r *http.Request) {
	openEdit(s, w, r, s.supplierEditing(r))
}

func (s *Server) supplierUpdate(w http.ResponseWriter, r *http.Request) {
	saveEdit(s, w, r, s.supplierEditing(r))
}

func (s *Server) supplierEditing(r *http.Request) edit[domain.SupplierID, domain.SupplierInput, domain.Supplier] {
	return edit[domain.SupplierID, domain.SupplierInput, domain.Supplier]{
		Input: supplierInput, Shown: domain.Supplier.Input, Load: s.Suppliers.ForEdit,
		Stale: supplier.Stale, Saved: "supplier.saved", URL: supplierURL,
		Update: func(ctx context.Context, id domain.SupplierID, in domain.SupplierInput, version int64) error {
			return s.Suppliers.Update(ctx, id, in, int(version))
		},
		Form: func(sup domain.Supplier, in domain.SupplierInput, errs domain.FieldErrors, notice string) templ.Component {
			v := s.supplierEditView(r, sup, in, errs)
			v.Notice = notice
			return suppliers.FormPage(v)
		}}
}

func (s *Server) supplierShow(w http.ResponseWriter, r *http.Request) {
	id, err := supplierID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderSupplier(w, r, id, http.StatusOK, nil, domain.ContactInput{})
}

func (s *Server) renderSupplier(w http.ResponseWriter, r *http.Request, id domain.SupplierID, status int, errs domain.FieldErrors, in domain.ContactInput) {
	d, err := s.Suppliers.View(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, _ := authz.ActorFrom(r.Context())
	v := suppliers.ShowView{Nav: navFor(r), Flash: s.flash(r), Supplier: d.Supplier, Contacts: d.Contacts,
		CanEdit: a.Can(authz.SupplierEdit), CanDelete: a.Can(authz.SupplierDelete), Errors: errs, ContactInput: in}
	if at := d.Supplier.AnonymisedAt; at != nil {
		v.Anonymised, v.CanEdit = localDate(*at), false // locked (supplier.Locked)
	}
	s.renderPage(w, r, status, suppliers.ShowPage(v))
}

func (s *Server) supplierDelete(w http.ResponseWriter, r *http.Request) {
	id, err := supplierID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, s.Suppliers.Delete(r.Context(), id), "supplier.deleted", "/suppliers")
}

// supplierAnonymise anonymises a supplier that is a person once the box is ticked.
func (s *Server) supplierAnonymise(w http.ResponseWriter, r *http.Request) {
	id, ok := idForm[domain.SupplierID](s, w, r)
	if !ok {
		return
	}
	if r.PostForm.Get("confirm") != "yes" {
		s.done(w, r, nil, "users.confirm_needed", supplierURL(id))
		return
	}
	s.done(w, r, s.Suppliers.Anonymise(r.Context(), id), "supplier.anonymised", supplierURL(id))
}

func (s *Server) supplierContactAdd(w http.ResponseWriter, r *http.Request) {
	id, ok := idForm[domain.SupplierID](s, w, r)
	if !ok {
		return
	}
	in := domain.ContactInput{Name: r.PostForm.Get("contact_name"), Role: r.PostForm.Get("contact_role"),
		Email: r.PostForm.Get("contact_email"), Phone: r.PostForm.Get("contact_phone")}
	err := s.Suppliers.AddContact(r.Context(), id, in)
	var fe domain.FieldErrors
	if errors.As(err, &fe) {
		s.renderSupplier(w, r, id, http.StatusUnprocessableEntity, fe, in)
		return
	}
	s.done(w, r, err, "contacts.added", supplierURL(id))
}

func (s *Server) supplierContactRemove(w http.ResponseWriter, r *http.Request) {
	id, err := supplierID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	contactID, err := pathID[int64](r, "contactID")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, s.Suppliers.RemoveContact(r.Context(), id, contactID), "contacts.removed", supplierURL(id))
}
