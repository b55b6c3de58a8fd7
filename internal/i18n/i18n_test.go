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
			if !i18n.Has(p.DescKey()) {
				t.Errorf("permission %s has no description", p)
			}
		}
	}
}

// Keys are written as literals in Go and templ files, and audit actions are shown as "action.<name>".
var (
	keyLiteral  = regexp.MustCompile(`"((?:app|nav|signin|dashboard|audit|users|error|perm|customers?|suppliers?|quotes?|settings|consent|contacts?|credit|filter|form|pager|gdpr|erasures?|crm|bulk|requests)\.[a-z_.]*[a-z_])"`)
	auditAction = regexp.MustCompile(`(?m)^\s*(?:const\s+)?[A-Z]\w*\s*=\s*"([a-z_]+\.[a-z_]+)"`)
)

// eachSource calls fn with every Go and templ source of the repository (generated code and the
// catalogue's own package aside).
func eachSource(t *testing.T, fn func(path, src string)) {
	t.Helper()
	err := filepath.WalkDir(filepath.Join("..", ".."), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".data" || d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || strings.HasSuffix(path, "_templ.go") || strings.Contains(path, "i18n") ||
			!(strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".templ")) {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fn(path, string(src))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestEveryKeyUsedIsInTheCatalogue(t *testing.T) {
	seen := 0
	eachSource(t, func(path, src string) {
		if strings.HasSuffix(path, "_test.go") || strings.Contains(path, "authz") {
			return
		}
		actions := map[string]bool{}
		for _, m := range auditAction.FindAllStringSubmatch(src, -1) {
			actions[m[1]] = true
		}
		for _, m := range keyLiteral.FindAllStringSubmatch(src, -1) {
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
		if base := filepath.Base(filepath.Dir(path)); base == "audit" || base == "customer" || base == "supplier" || base == "quote" || base == "gdpr" || base == "settings" || base == "records" || base == "request" || base == "export" {
			for _, m := range auditAction.FindAllStringSubmatch(src, -1) {
				if !i18n.Has("action." + m[1]) {
					t.Errorf("audit action %q has no label action.%s", m[1], m[1])
				}
			}
		}
	})
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

// TestCountMessagesHaveBothForms: every count message has a one and an other form in both languages, and
// English (which always inflects) tells them apart.
func TestCountMessagesHaveBothForms(t *testing.T) {
	if len(i18n.CountKeys()) < 10 {
		t.Fatalf("only %d count messages; the catalogue is not read", len(i18n.CountKeys()))
	}
	for _, k := range i18n.CountKeys() {
		if sv, _ := i18n.Text(k); sv != "" {
			t.Errorf("%s is both a message and a count message", k)
		}
		svOne, svOther, enOne, enOther := i18n.CountForms(k)
		for name, f := range map[string]string{"Swedish one": svOne, "Swedish other": svOther, "English one": enOne, "English other": enOther} {
			if strings.TrimSpace(f) == "" {
				t.Errorf("%s: the %s form is missing", k, name)
			}
		}
		if enOne == enOther {
			t.Errorf("%s: English one and other read the same: %q", k, enOne)
		}
	}
}

// countNoun is a number followed by the word after it: "{0} kunder" → "kunder".
var countNoun = regexp.MustCompile(`\{\d\} ([\p{L}]+)`)

// TestNoCountOutsideTheCountCatalogue: a plain message that puts a placeholder before a plural noun of
// the count catalogue ("{0} kunder", "{0} customers") would read "1 kunder" for one; it must be a count
// message. The plural nouns come from the count catalogue itself, plus the register's main ones.
func TestNoCountOutsideTheCountCatalogue(t *testing.T) {
	plural := map[string]bool{"kunder": true, "customers": true, "offerter": true, "quotes": true}
	for _, k := range i18n.CountKeys() {
		svOne, svOther, enOne, enOther := i18n.CountForms(k)
		for _, pair := range [][2]string{{svOne, svOther}, {enOne, enOther}} {
			one := map[string]bool{}
			for _, m := range countNoun.FindAllStringSubmatch(pair[0], -1) {
				one[m[1]] = true
			}
			for _, m := range countNoun.FindAllStringSubmatch(pair[1], -1) {
				if !one[m[1]] { // a word that changes with the count
					plural[m[1]] = true
				}
			}
		}
	}
	for _, k := range i18n.Keys() {
		sv, en := i18n.Text(k)
		for _, s := range []string{sv, en} {
			for _, m := range countNoun.FindAllStringSubmatch(s, -1) {
				if plural[strings.ToLower(m[1])] {
					t.Errorf("%s reads %q for one: make it a count message (i18n.N)", k, strings.Replace(m[0], m[0][:3], "1", 1))
				}
			}
		}
	}
}

// TestN picks the form by the count in each language and fills the other arguments.
func TestN(t *testing.T) {
	sv, en := context.Background(), i18n.WithLang(context.Background(), "en")
	for _, tc := range []struct {
		ctx  context.Context
		n    int
		want string
	}{
		{sv, 1, "1 kund matchar urvalet"}, {sv, 0, "0 kunder matchar urvalet"}, {sv, 2, "2 kunder matchar urvalet"},
		{en, 1, "1 customer matches this filter"}, {en, 0, "0 customers match this filter"}, {en, 21, "21 customers match this filter"},
	} {
		if got := i18n.N(tc.ctx, "crm.count", tc.n); got != tc.want {
			t.Errorf("N(crm.count, %d) = %q, want %q", tc.n, got, tc.want)
		}
	}
	if got := i18n.N(en, "bulk.job.progress", 1, "0", "0"); got != "0 of 1 customer (0 %)" {
		t.Errorf("progress of one: %q", got)
	}
}

// tfWithCount finds a plain message given a number counted with strconv.Itoa, in Go and templ sources.
var tfWithCount = regexp.MustCompile(`i18n\.Tf\([^,]+, "([^"]+)"[^)]*strconv\.Itoa\(`)

// TestCountsAreLookedUpWithN: a count handed to Tf reads "1 kunder"; N chooses the form.
func TestCountsAreLookedUpWithN(t *testing.T) {
	eachSource(t, func(path, src string) {
		for _, m := range tfWithCount.FindAllStringSubmatch(src, -1) {
			t.Errorf("%s: i18n.Tf(%q) is given a count; use a count message and i18n.N", path, m[1])
		}
	})
}

// A name's genitive: Swedish adds no s after s, x or z; English only an apostrophe after an s.
func TestPossessive(t *testing.T) {
	sv, en := i18n.WithLang(context.Background(), "sv"), i18n.WithLang(context.Background(), "en")
	for _, tc := range []struct {
		ctx        context.Context
		name, want string
	}{
		{sv, "Erik", "Eriks"}, {sv, "Lars", "Lars"}, {sv, "Max", "Max"}, {sv, "Inez", "Inez"}, {sv, "Åsa", "Åsas"},
		{sv, "", ""}, {en, "Erik", "Erik's"}, {en, "James", "James'"}, {en, "Max", "Max's"},
	} {
		if got := i18n.Possessive(tc.ctx, tc.name); got != tc.want {
			t.Errorf("Possessive(%s, %q) = %q, want %q", i18n.Lang(tc.ctx), tc.name, got, tc.want)
		}
	}
}
