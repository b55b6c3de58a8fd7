package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/templates/settings"
)

// settingsView is the settings page with both forms as stored.
func (s *Server) settingsView(r *http.Request) (settings.View, error) {
	rule, err := s.Settings.Retention(r.Context())
	if err != nil {
		return settings.View{}, err
	}
	company, err := s.Settings.Company(r.Context())
	return settings.View{Nav: navFor(r), RetentionYears: strconv.Itoa(rule.Years),
		FiscalYearEnd: strconv.Itoa(int(rule.FiscalYearEnd)), ConfirmShown: rule.Years < domain.MinRetentionYears,
		Company: company.Input()}, err
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.settingsView(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Flash = s.flash(r)
	s.renderPage(w, r, http.StatusOK, settings.Page(v))
}

// settingsCompanySave stores the company's details; on an error the form shows what was typed.
func (s *Server) settingsCompanySave(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	in := domain.FormInput[domain.CompanyInput](domain.CompanyFields, r.PostForm.Get)
	s.settingsSaved(w, r, s.Settings.SetCompany(r.Context(), in), "settings.company_saved", func(v *settings.View, fe domain.FieldErrors) {
		v.Company, v.CompanyErrors = in, fe
	})
}

func (s *Server) settingsSave(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	typedYears, typedMonth := r.PostForm.Get("retention_years"), r.PostForm.Get("fiscal_year_end")
	years, yearsErr := strconv.Atoi(strings.TrimSpace(typedYears))
	month, _ := strconv.Atoi(typedMonth) // 0 is refused by the service, with the years checked in the same round
	if yearsErr != nil {
		years = -1 // out of range: the service names it
	}
	err := s.Settings.SetRetention(r.Context(), domain.Retention{Years: years, FiscalYearEnd: time.Month(month)},
		r.PostForm.Get("below_law") == "yes")
	s.settingsSaved(w, r, err, "settings.saved", func(v *settings.View, fe domain.FieldErrors) {
		v.RetentionYears, v.FiscalYearEnd, v.Errors = typedYears, typedMonth, fe
		v.ConfirmShown = fe["retention_years"] == "error.retention_below_law"
	})
}

// settingsSaved answers a save of one of the settings page's forms: on field errors the page again, with
// the stored values and the form's typed ones and messages (typed); otherwise as done does.
func (s *Server) settingsSaved(w http.ResponseWriter, r *http.Request, err error, saved string, typed func(*settings.View, domain.FieldErrors)) {
	var fe domain.FieldErrors
	if !errors.As(err, &fe) {
		s.done(w, r, err, saved, "/settings")
		return
	}
	v, verr := s.settingsView(r)
	if verr != nil {
		s.fail(w, r, verr)
		return
	}
	typed(&v, fe)
	s.renderPage(w, r, http.StatusUnprocessableEntity, settings.Page(v))
}
