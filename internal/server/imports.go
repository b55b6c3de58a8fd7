package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/customerimport"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/templates/customers"
)

// CustomerImports is what the server needs of the customer import (customerimport.Service).
type CustomerImports interface {
	Upload(ctx context.Context, f customerimport.File) (int64, error)
	Preview(ctx context.Context, id int64, after int) (customerimport.Preview, error)
	Confirm(ctx context.Context, id int64, in customerimport.ConfirmInput) error
}

// importHeadings are the headings a file may have, as the register export writes them.
func importHeadings(ctx context.Context) []string {
	var out []string
	for _, f := range domain.CustomerFields.Typed() {
		out = append(out, i18n.T(ctx, f.Heading))
	}
	return out
}

func (s *Server) importForm(w http.ResponseWriter, r *http.Request) {
	s.renderPage(w, r, http.StatusOK, customers.ImportForm(customers.ImportFormView{Nav: navFor(r), Flash: s.flash(r),
		Fields: importHeadings(r.Context())}))
}

func (s *Server) importUpload(w http.ResponseWriter, r *http.Request) {
	refuse := func(key string) {
		s.renderPage(w, r, http.StatusUnprocessableEntity, customers.ImportForm(customers.ImportFormView{Nav: navFor(r),
			Errors: map[string]string{"file": key}, Fields: importHeadings(r.Context())}))
	}
	var tooBig *http.MaxBytesError
	if err := r.ParseMultipartForm(8 << 20); errors.As(err, &tooBig) {
		refuse("import.error.too_big")
		return
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		refuse("import.error.no_file")
		return
	}
	defer f.Close()
	id, err := s.Imports.Upload(r.Context(), f) // read from the spooled upload, not copied into memory
	var fe domain.FieldErrors
	if errors.As(err, &fe) {
		refuse(fe["file"])
		return
	}
	s.done(w, r, err, "import.checked", importURL(id))
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID[int64](r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	after, _ := strconv.Atoi(r.URL.Query().Get("after"))
	s.renderImport(w, r, id, after, http.StatusOK, nil, customerimport.ConfirmInput{})
}

// renderImport shows import id's preview from row after (or its progress), with what was chosen.
func (s *Server) renderImport(w http.ResponseWriter, r *http.Request, id int64, after, status int, errs domain.FieldErrors,
	in customerimport.ConfirmInput) {
	ctx := r.Context()
	p, err := s.Imports.Preview(ctx, id, after)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, _ := authz.ActorFrom(ctx)
	v := customers.ImportView{Nav: navFor(r), Flash: s.flash(r), Import: p.Import, Errors: errs, Duplicates: in.Duplicates,
		CanUpdate: a.Can(authz.CustomerEdit)}
	v.Held, v.Problems = importProblems(ctx, a, p.Held, in), importProblems(ctx, a, p.Problems, in)
	if p.More && len(p.Problems) > 0 {
		v.Next = importURL(id) + "?" + url.Values{"after": {strconv.Itoa(p.Problems[len(p.Problems)-1].Row)}}.Encode()
	}
	s.renderPage(w, r, status, customers.ImportPage(v))
}

// importProblems formats rows of the preview: each field's message, the duplicate's customer, and the
// erasure's date for those who may read the erasure register (audit.view).
func importProblems(ctx context.Context, a authz.Actor, rows []domain.ImportRow, in customerimport.ConfirmInput) []customers.ImportProblem {
	var out []customers.ImportProblem
	for _, row := range rows {
		p := customers.ImportProblem{Row: row.Row, Name: row.Input["name"], State: row.State, MatchOn: row.MatchOn,
			Objected: row.Objected}
		for _, f := range domain.CustomerFields.Typed() {
			if key := row.Problems[f.Name]; key != "" {
				p.Problems = append(p.Problems, i18n.T(ctx, f.Label)+": "+i18n.T(ctx, key))
			}
		}
		if row.MatchNumber != 0 {
			p.MatchNumber, p.MatchURL = strconv.FormatInt(row.MatchNumber, 10), customerURL(row.MatchID)
		}
		if !row.ErasedAt.IsZero() && a.Can(authz.AuditView) {
			p.ErasedAt = localDate(row.ErasedAt)
		}
		p.Include = slices.Contains(in.Include, row.Row)
		out = append(out, p)
	}
	return out
}

func (s *Server) importConfirm(w http.ResponseWriter, r *http.Request) {
	id, ok := idForm[int64](s, w, r)
	if !ok {
		return
	}
	in := customerimport.ConfirmInput{Duplicates: r.PostForm.Get("duplicates")}
	for _, v := range r.PostForm["include"] {
		if n, err := strconv.Atoi(v); err == nil {
			in.Include = append(in.Include, n)
		}
	}
	err := s.Imports.Confirm(r.Context(), id, in)
	var fe domain.FieldErrors
	if errors.As(err, &fe) {
		s.renderImport(w, r, id, 0, http.StatusUnprocessableEntity, fe, in)
		return
	}
	s.done(w, r, err, "import.confirmed", importURL(id))
}
