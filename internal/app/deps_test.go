package app_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyDirection keeps the layering of DESIGN.md §2 true: each package may import only the
// project packages listed for its layer (test files are not considered).
func TestDependencyDirection(t *testing.T) {
	const mod = "github.com/affar/affar/"
	allowed := map[string][]string{
		"internal/domain":         {},
		"internal/i18n":           {},
		"internal/config":         {},
		"internal/authz":          {"internal/domain"},
		"internal/password":       {"internal/domain"},
		"internal/devdb":          {},
		"internal/postgres":       {"internal/domain", "migrations"},
		"internal/audit":          {"internal/domain", "internal/authz", "internal/postgres", "migrations"},
		"internal/customer":       {"internal/domain", "internal/authz", "internal/postgres", "internal/audit", "migrations"},
		"internal/customerimport": {"internal/domain", "internal/authz", "internal/i18n", "internal/postgres", "internal/audit", "migrations"},
		"internal/supplier":       {"internal/domain", "internal/authz", "internal/postgres", "internal/audit", "migrations"},
		"internal/quote":          {"internal/domain", "internal/authz", "internal/postgres", "internal/audit", "migrations"},
		"internal/quotedoc":       {"internal/domain", "internal/authz", "internal/i18n", "internal/postgres", "internal/audit", "internal/quote", "internal/labels", "migrations"},
		"internal/settings":       {"internal/domain", "internal/authz", "internal/postgres", "internal/audit", "migrations"},
		"internal/gdpr":           {"internal/domain", "internal/authz", "internal/postgres", "internal/audit", "migrations"},
		"internal/seed":           {"internal/domain", "internal/authz", "internal/postgres", "internal/audit", "migrations"},
		"internal/user":           {"internal/domain", "internal/authz", "internal/i18n", "internal/postgres", "internal/audit", "internal/password", "migrations"},
		"internal/mail":           {"internal/domain", "internal/authz", "internal/postgres", "internal/audit", "migrations"},
		"internal/export":         {"internal/domain", "internal/authz", "internal/postgres", "internal/audit", "migrations"},
		"internal/agreement":      {"internal/domain", "internal/authz", "internal/i18n", "internal/postgres", "internal/audit", "migrations"},
		"internal/chainwatch":     {"internal/domain", "internal/authz", "internal/i18n", "internal/postgres", "internal/audit", "migrations"},
		"internal/accesscopy":     {"internal/domain", "internal/i18n", "internal/gdpr", "internal/export"},
		"internal/labels":         {},
		"internal/records":        {"internal/domain", "internal/authz", "internal/i18n", "internal/postgres", "internal/audit", "internal/gdpr", "internal/labels", "migrations"},
		"internal/request":        {"internal/domain", "internal/authz", "internal/i18n", "internal/postgres", "internal/audit", "internal/labels", "migrations"},
		"internal/xlsx":           {},
		"internal/pace":           {},
		"templates/":              {"internal/domain", "internal/i18n", "templates/"},
		"web":                     {},
		"migrations":              {},
		"internal/server":         {"internal/domain", "internal/authz", "internal/i18n", "internal/config", "internal/audit", "internal/user", "internal/customer", "internal/customerimport", "internal/supplier", "internal/quote", "internal/quotedoc", "internal/gdpr", "internal/export", "internal/accesscopy", "internal/labels", "internal/records", "internal/request", "internal/xlsx", "internal/pace", "templates/", "web"},
	}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .Imports " "}}`, "github.com/affar/affar/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ":")
		pkg = strings.TrimPrefix(pkg, mod)
		rules, ok := rulesFor(allowed, pkg)
		if !ok {
			if strings.HasPrefix(pkg, "cmd/") || pkg == "internal/app" || pkg == "internal/bench" ||
				strings.HasPrefix(pkg, "internal/testutil") {
				continue // the top of the graph (commands, composition root, test and benchmark harnesses)
			}
			t.Errorf("package %s has no layering rule here: add one", pkg)
			continue
		}
		for _, imp := range strings.Fields(imports) {
			if !strings.HasPrefix(imp, mod) {
				continue
			}
			imp = strings.TrimPrefix(imp, mod)
			if !permitted(rules, imp) {
				t.Errorf("%s imports %s, which its layer may not", pkg, imp)
			}
		}
	}
}

func rulesFor(allowed map[string][]string, pkg string) ([]string, bool) {
	if r, ok := allowed[pkg]; ok {
		return r, true
	}
	for prefix, r := range allowed {
		if strings.HasSuffix(prefix, "/") && strings.HasPrefix(pkg, prefix) {
			return r, true
		}
	}
	return nil, false
}

func permitted(rules []string, imp string) bool {
	for _, r := range rules {
		if imp == r || (strings.HasSuffix(r, "/") && strings.HasPrefix(imp, r)) {
			return true
		}
	}
	return false
}
