package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/affar/affar/internal/testutil/program"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/testutil"
)

// copyCustomer is a customer with every kind of data, a consent change recorded by a named user, and a
// copy-maker who may see everything.
func copyCustomer(t *testing.T) (*testutil.Env, domain.Customer, *testutil.Client) {
	env := testutil.NewEnv(t, nil)
	cust := env.MustCreateRichCustomer(t, "Portabel AB", 1*year)
	c := env.SignedInClient(t, "dpo@example.se", false, append([]authz.Permission{authz.CustomerEdit}, gdpr.CopyPermissions...)...)
	if r := c.PostForm(customerPath(cust)+"/consent", url.Values{"given": {"true"}, "consent_source": {"paper"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("consent: %d", r.Status)
	}
	return env, cust, c
}

// TestAccessCopyZIP: the ZIP unpacks with unzip, its manifest verifies with sha256sum -c, its JSON
// validates against the schema it carries, and it holds a CSV per table and the printable page.
func TestAccessCopyZIP(t *testing.T) {
	unzip, sha256sum := program.Find(t, "unzip", "unzip"), program.Find(t, "sha256sum", "coreutils")
	env, cust, c := copyCustomer(t)
	r := c.Get(customerPath(cust) + "/export.zip")
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/zip" ||
		!strings.Contains(r.Header.Get("Content-Disposition"), "registerutdrag-"+strconv.FormatInt(cust.Number, 10)+".zip") {
		t.Fatalf("zip: %d %v", r.Status, r.Header)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "copy.zip"), []byte(r.Body), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if b, err := exec.Command(unzip, "-q", filepath.Join(dir, "copy.zip"), "-d", out).CombinedOutput(); err != nil {
		t.Fatalf("unzip: %v\n%s", err, b)
	}
	cmd := exec.Command(sha256sum, "-c", "--strict", "SHA256SUMS")
	cmd.Dir = out
	if b, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(b), "registerutdrag.json: OK") {
		t.Fatalf("sha256sum -c: %v\n%s", err, b)
	}
	sums, _ := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	var listed []string
	for _, l := range strings.Split(strings.TrimSpace(string(sums)), "\n") {
		listed = append(listed, strings.TrimSpace(l[64:]))
	}
	tables := []string{"customers", "customer_contacts", "customer_consents", "credit_reports", "quotes", "quote_lines"}
	for _, want := range append([]string{"registerutdrag.json", "schema.json", "registerutdrag.html", "LASMIG.txt", "data/audit_events.csv"},
		func() []string {
			var csvs []string
			for _, tb := range tables {
				csvs = append(csvs, "data/"+tb+".csv")
			}
			return csvs
		}()...) {
		if !strings.Contains(strings.Join(listed, "\n"), want) {
			t.Errorf("%s is not in the manifest %q", want, listed)
		}
	}

	// The JSON validates against the schema in the ZIP (JSON Schema 2020-12, formats asserted).
	schemaFile, _ := os.ReadFile(filepath.Join(out, "schema.json"))
	docFile, _ := os.ReadFile(filepath.Join(out, "registerutdrag.json"))
	schemaDoc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaFile))
	if err != nil {
		t.Fatal(err)
	}
	comp := jsonschema.NewCompiler()
	comp.AssertFormat()
	if err := comp.AddResource("schema.json", schemaDoc); err != nil {
		t.Fatal(err)
	}
	sch, err := comp.Compile("schema.json")
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(docFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Fatalf("the JSON does not follow its schema: %v", err)
	}
	// The schema is strict enough to catch a field it does not describe.
	var tampered map[string]any
	_ = json.Unmarshal(docFile, &tampered)
	tampered["data"].(map[string]any)["customers"].([]any)[0].(map[string]any)["undescribed"] = "x"
	if err := sch.Validate(tampered); err == nil {
		t.Error("the schema accepts a field it does not describe")
	}
	var schema map[string]any
	_ = json.Unmarshal(schemaFile, &schema)
	limit := schema["properties"].(map[string]any)["data"].(map[string]any)["properties"].(map[string]any)["credit_reports"].(map[string]any)["items"].(map[string]any)["properties"].(map[string]any)["limit_ore"].(map[string]any)
	if desc, _ := limit["description"].(string); !strings.Contains(desc, "Kreditgräns") || !strings.Contains(desc, "öre") {
		t.Errorf("the schema describes limit_ore as %q, want its label and unit", desc)
	}

	// Every table's CSV: byte order mark, semicolons, the fields of the JSON, one line per row.
	var d struct {
		Data map[string][]map[string]any `json:"data"`
	}
	_ = json.Unmarshal(docFile, &d)
	for _, tb := range tables {
		b, err := os.ReadFile(filepath.Join(out, "data", tb+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimRight(strings.TrimPrefix(string(b), "\uFEFF"), "\n"), "\n")
		if !bytes.HasPrefix(b, []byte("\uFEFF")) || len(lines) != len(d.Data[tb])+1 || !strings.Contains(lines[0], ";") {
			t.Errorf("%s.csv: %d lines for %d rows (BOM %v)", tb, len(lines), len(d.Data[tb]), bytes.HasPrefix(b, []byte("\uFEFF")))
		}
	}
	page, _ := os.ReadFile(filepath.Join(out, "registerutdrag.html"))
	if !strings.Contains(string(page), "Portabel AB") || !strings.Contains(string(page), "Integritetsskyddsmyndigheten") ||
		strings.Contains(string(page), "/static/") {
		t.Error("the page in the ZIP lacks the data or the rights, or fetches from the server")
	}
	_ = env
}

// TestPrintableCopyReadsAsSwedish: the printable copy shows labels and plain values (Ja/Nej, days, kronor,
// staff by name), never raw column names, booleans or instants for days, and the information of art. 15(1).
func TestPrintableCopyReadsAsSwedish(t *testing.T) {
	env, cust, c := copyCustomer(t)
	r := c.Get(customerPath(cust) + "/export")
	if r.Status != http.StatusOK {
		t.Fatalf("copy page: %d", r.Status)
	}
	body := r.Body
	today := env.Clock.Now().Format("2006-01-02") // the credit report's day, as the fixture typed it
	for _, want := range []string{"Person-/organisationsnummer", "Kreditgräns", "10\u00a0000,00 kr", ">ja<", ">nej<",
		"User dpo@example.se", "Papper", "Accepterad", "Integritetsskyddsmyndigheten", "Rättslig grund", "Avtal (artikel 6.1 b)",
		"Från det kreditupplysningsföretag", "7 kap. 2 §", "Samtycke till marknadsföring", "Datum", today, `id="controller-unset"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the copy page lacks %q", want)
		}
	}
	for _, raw := range []string{"id_number", "limit_ore", "marketing_consent", ">true<", ">false<", "T00:00:00Z", "recorded_by"} {
		if strings.Contains(body, raw) {
			t.Errorf("the copy page shows %q", raw)
		}
	}
	// The erasable-from date of the accepted quote (a calendar fiscal year: 1 January, eight years after the sale).
	sold := env.Clock.Now().Add(-1 * year).In(domain.Stockholm).Year()
	if !strings.Contains(body, "får raderas från "+strconv.Itoa(sold+8)+"-01-01") {
		t.Errorf("the copy does not give the storage period (erasable from %d-01-01)", sold+8)
	}

	// The data protection officer writes the company's texts; the copy uses them and stops warning.
	p := env.SignedInClient(t, "skydd@example.se", false, authz.PrivacyManage)
	if r := p.Get("/privacy"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Standardtext") {
		t.Fatalf("privacy texts page: %d", r.Status)
	}
	r = p.PostForm("/privacy", url.Values{"controller": {"Portabel Demo AB, 556677-8899, dataskydd@demo.example"},
		"recipients": {"Vår revisor och UC."}, "purpose.credit_reports": {""}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("saving the texts: %d", r.Status)
	}
	body = c.Get(customerPath(cust) + "/export").Body
	if !strings.Contains(body, "Portabel Demo AB, 556677-8899") || !strings.Contains(body, "Vår revisor och UC.") ||
		strings.Contains(body, `id="controller-unset"`) || !strings.Contains(body, "Att bedöma kreditrisken") {
		t.Error("the copy does not use the company's texts (and the defaults for the rest)")
	}
	var details string
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT details::text FROM audit_events WHERE action = $1`, gdpr.TextsChanged).Scan(&details); err != nil ||
		!strings.Contains(details, "controller") || strings.Contains(details, "Portabel") {
		t.Errorf("the change is audited with topics only: %q (%v)", details, err)
	}
}
