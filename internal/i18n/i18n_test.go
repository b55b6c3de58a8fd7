package i18n_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
)

func TestEveryMessageInBothLanguages(t *testing.T) {
	for _, k := range i18n.Keys() {
		sv, en := i18n.Text(k)
		if strings.TrimSpace(sv) == "" || strings.TrimSpace(en) == "" {
			t.Errorf("%s: Swedish %q, English %q: both are needed", k, sv, en)
		}
	}
	for _, g := range authz.Groups {
		if !i18n.Has(g.Key) {
			t.Errorf("permission group %s has no label", g.Key)
		}
		for _, p := range g.Permissions {
			if !i18n.Has(p.LabelKey()) {
				t.Errorf("permission %s has no label", p)
			}
		}
	}
}

// Keys are written as literals in Go and templ files, and audit actions are shown as "action.<name>".
var (
	keyLiteral  = regexp.MustCompile(`"((?:app|nav|signin|dashboard|audit|users|error|perm|customers?|suppliers?|quotes?|settings|consent|contacts?|credit|filter|form|pager|gdpr|erasures?|crm|bulk)\.[a-z_.]*[a-z_])"`)
	auditAction = regexp.MustCompile(`(?m)^\s*[A-Z]\w*\s*=\s*"([a-z_]+\.[a-z_]+)"`)
)

func TestEveryKeyUsedIsInTheCatalogue(t *testing.T) {
	root := filepath.Join("..", "..")
	seen := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".data" || d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || strings.HasSuffix(path, "_test.go") || strings.HasSuffix(path, "_templ.go") ||
			!(strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".templ")) || strings.Contains(path, "i18n") || strings.Contains(path, "authz") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		actions := map[string]bool{}
		for _, m := range auditAction.FindAllStringSubmatch(string(src), -1) {
			actions[m[1]] = true
		}
		for _, m := range keyLiteral.FindAllStringSubmatch(string(src), -1) {
			seen++
			if actions[m[1]] {
				continue // an audit action constant, labelled as "action."+name (checked below)
			}
			if strings.HasPrefix(m[1], "perm.") && !strings.HasPrefix(m[1], "perm.group.") {
				continue // "perm." + name, checked through the catalogue above
			}
			if !i18n.Has(m[1]) {
				t.Errorf("%s uses message %q, which is not in the catalogue", path, m[1])
			}
		}
		if base := filepath.Base(filepath.Dir(path)); base == "audit" || base == "customer" || base == "supplier" || base == "quote" || base == "gdpr" {
			for _, m := range auditAction.FindAllStringSubmatch(string(src), -1) {
				if !i18n.Has("action." + m[1]) {
					t.Errorf("audit action %q has no label action.%s", m[1], m[1])
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 20 {
		t.Fatalf("found only %d message keys in the sources; the scan is broken", seen)
	}
}

func TestEveryConsentSourceHasALabel(t *testing.T) {
	for _, s := range append(domain.ConsentSources, "import") {
		if !i18n.Has("consent.source." + s) {
			t.Errorf("consent source %q has no label", s)
		}
	}
}

func TestLanguageChoice(t *testing.T) {
	cases := map[string]string{
		"":                              "sv",
		"en-US,en;q=0.9":                "en",
		"sv-SE,sv;q=0.9,en;q=0.8":       "sv",
		"de-DE,en;q=0.5,sv;q=0.7":       "sv",
		"fr":                            "sv",
		"en-GB;q=0.8, sv;q=0.2, da;q=1": "en",
	}
	for header, want := range cases {
		if got := i18n.FromAcceptLanguage(header); got != want {
			t.Errorf("Accept-Language %q: %s, want %s", header, got, want)
		}
	}
	ctx := i18n.WithLang(context.Background(), "en")
	if got := i18n.Tf(ctx, "dashboard.welcome", "Eva"); got != "Welcome, Eva." {
		t.Errorf("Tf: %q", got)
	}
}
