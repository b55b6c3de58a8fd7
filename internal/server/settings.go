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

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request) {
	rule, err := s.Settings.Retention(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderPage(w, r, http.StatusOK, settings.Page(settings.View{Nav: navFor(r), Flash: s.flash(r),
		RetentionYears: strconv.Itoa(rule.Years), FiscalYearEnd: strconv.Itoa(int(rule.FiscalYearEnd)),
		ConfirmShown: rule.Years < domain.MinRetentionYears}))
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
	var fe domain.FieldErrors
	if errors.As(err, &fe) {
		s.renderPage(w, r, http.StatusUnprocessableEntity, settings.Page(settings.View{Nav: navFor(r), RetentionYears: typedYears,
			FiscalYearEnd: typedMonth, ConfirmShown: fe["retention_years"] == "error.retention_below_law", Errors: fe}))
		return
	}
	s.done(w, r, err, "settings.saved", "/settings")
}
