package server

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/affar/affar/internal/accesscopy"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/i18n"
	gdprpages "github.com/affar/affar/templates/gdpr"
)

// privacyGroups lays out every topic of the copy's texts: the general ones first, then each kind of data.
func privacyGroups(ctx context.Context, values map[string]string) []gdprpages.PrivacyGroup {
	general := gdprpages.PrivacyGroup{Title: i18n.T(ctx, "privacy.general")}
	byTable := map[string]*gdprpages.PrivacyGroup{}
	var groups []*gdprpages.PrivacyGroup
	for _, t := range gdpr.Topics() {
		text := gdprpages.PrivacyText{Topic: t.Name, Value: values[t.Name], Default: accesscopy.DefaultText(ctx, t)}
		kind, table, perTable := strings.Cut(t.Name, ".")
		if !perTable {
			text.LabelKey = "gdpr.info." + t.Name
			general.Texts = append(general.Texts, text)
			continue
		}
		text.LabelKey = "privacy.topic." + kind
		g := byTable[table]
		if g == nil {
			g = &gdprpages.PrivacyGroup{Title: i18n.T(ctx, "gdpr.table."+table)}
			byTable[table] = g
			groups = append(groups, g)
		}
		g.Texts = append(g.Texts, text)
	}
	out := []gdprpages.PrivacyGroup{general}
	for _, g := range groups {
		out = append(out, *g)
	}
	return out
}

func (s *Server) privacyTextsPage(w http.ResponseWriter, r *http.Request) {
	texts, err := s.GDPR.Texts(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderPage(w, r, http.StatusOK, gdprpages.PrivacyPage(gdprpages.PrivacyView{Nav: navFor(r), Flash: s.flash(r),
		Groups: privacyGroups(r.Context(), texts)}))
}

func (s *Server) privacyTextsSave(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	typed := map[string]string{}
	for _, t := range gdpr.Topics() {
		if vs, ok := r.PostForm[t.Name]; ok && len(vs) > 0 {
			typed[t.Name] = vs[0]
		}
	}
	err := s.GDPR.SetTexts(r.Context(), typed)
	var fe domain.FieldErrors
	if errors.As(err, &fe) {
		s.renderPage(w, r, http.StatusUnprocessableEntity, gdprpages.PrivacyPage(gdprpages.PrivacyView{Nav: navFor(r),
			Groups: privacyGroups(r.Context(), typed), Errors: fe}))
		return
	}
	s.done(w, r, err, "privacy.saved", "/privacy")
}
