package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/templates/settings"
)

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request) {
	years, err := s.Settings.RetentionYears(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderPage(w, r, http.StatusOK, settings.Page(settings.View{Nav: navFor(r), Flash: s.flash(r),
		RetentionYears: strconv.Itoa(years), ConfirmShown: years < domain.MinRetentionYears}))
}

func (s *Server) settingsSave(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	typed := r.PostForm.Get("retention_years")
	var err error = domain.FieldErrors{"retention_years": "error.retention_range"}
	if years, convErr := strconv.Atoi(strings.TrimSpace(typed)); convErr == nil {
		err = s.Settings.SetRetentionYears(r.Context(), years, r.PostForm.Get("below_law") == "yes")
	}
	var fe domain.FieldErrors
	if errors.As(err, &fe) {
		s.renderPage(w, r, http.StatusUnprocessableEntity, settings.Page(settings.View{Nav: navFor(r), RetentionYears: typed,
			ConfirmShown: fe["retention_years"] == "error.retention_below_law", Errors: fe}))
		return
	}
	s.done(w, r, err, "settings.saved", "/settings")
}
