package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/records"
	"github.com/affar/affar/templates/privacy"
)

// Records is what the server needs of the record of processing activities (records.Service).
type Records interface {
	View(ctx context.Context, n int) (records.Record, error)
	Save(ctx context.Context, entries map[string]domain.RecordEntry) (int, error)
}

// recordsView reads version n (0: the newest) and lays it out for the page.
func (s *Server) recordsView(r *http.Request, n int) (privacy.RecordsView, error) {
	rec, err := s.Records.View(r.Context(), n)
	if err != nil {
		return privacy.RecordsView{}, err
	}
	if n > 0 && !rec.Found {
		return privacy.RecordsView{}, domain.ErrNotFound
	}
	a, _ := authz.ActorFrom(r.Context())
	v := privacy.RecordsView{Nav: navFor(r), Flash: s.flash(r), Doc: records.Document(r.Context(), rec),
		CanEdit: a.Can(authz.PrivacyManage)}
	v.Current = len(rec.Versions) == 0 || rec.Versions[0].Number == rec.Version.Number
	for _, ver := range rec.Versions {
		v.Versions = append(v.Versions, privacy.VersionLink{Number: ver.Number, SavedBy: ver.SavedByName,
			SavedAt: ver.SavedAt.In(domain.Stockholm).Format("2006-01-02 15:04")})
	}
	return v, nil
}

func (s *Server) recordsPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.recordsView(r, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderPage(w, r, http.StatusOK, privacy.RecordsPage(v))
}

func (s *Server) recordsVersionPage(w http.ResponseWriter, r *http.Request) {
	n, err := pathID[int64](r, "n")
	if err == nil {
		var v privacy.RecordsView
		if v, err = s.recordsView(r, int(n)); err == nil {
			s.renderPage(w, r, http.StatusOK, privacy.RecordsPage(v))
			return
		}
	}
	s.fail(w, r, err)
}

func (s *Server) recordsPDF(w http.ResponseWriter, r *http.Request) {
	n := 0
	if q := r.URL.Query().Get("version"); q != "" {
		v, err := strconv.Atoi(q)
		if err != nil || v <= 0 {
			s.fail(w, r, domain.ErrNotFound)
			return
		}
		n = v
	}
	rec, err := s.Records.View(r.Context(), n)
	if err == nil && n > 0 && !rec.Found {
		err = domain.ErrNotFound
	}
	var buf bytes.Buffer
	if err == nil {
		err = records.WritePDF(r.Context(), &buf, records.Document(r.Context(), rec))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+i18n.T(r.Context(), "records.filename")+`"`)
	_, _ = w.Write(buf.Bytes())
}

// recordsEditView is the form with the entries as typed (or as saved).
func recordsEditView(r *http.Request, entries map[string]domain.RecordEntry, errs domain.FieldErrors) privacy.RecordsEditView {
	v := privacy.RecordsEditView{Nav: navFor(r), Bases: records.Bases, Errors: errs}
	for _, sub := range records.Subjects {
		e := entries[string(sub)]
		v.Sections = append(v.Sections, privacy.EditSection{Key: string(sub), Title: i18n.T(r.Context(), "records.subject."+string(sub)),
			Purpose: e.Purpose, Basis: e.Basis, Recipients: e.Recipients, Transfers: e.Transfers})
	}
	return v
}

func (s *Server) recordsEdit(w http.ResponseWriter, r *http.Request) {
	rec, err := s.Records.View(r.Context(), 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderPage(w, r, http.StatusOK, privacy.RecordsEditPage(recordsEditView(r, rec.Version.Entries, nil)))
}

func (s *Server) recordsSave(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	typed := map[string]domain.RecordEntry{}
	for _, sub := range records.Subjects {
		k := string(sub)
		typed[k] = domain.RecordEntry{Purpose: r.PostForm.Get("purpose." + k), Basis: r.PostForm.Get("basis." + k),
			Recipients: r.PostForm.Get("recipients." + k), Transfers: r.PostForm.Get("transfers." + k)}
	}
	_, err := s.Records.Save(r.Context(), typed)
	var fe domain.FieldErrors
	if errors.As(err, &fe) {
		s.renderPage(w, r, http.StatusUnprocessableEntity, privacy.RecordsEditPage(recordsEditView(r, typed, fe)))
		return
	}
	s.done(w, r, err, "records.saved", "/privacy/records")
}
