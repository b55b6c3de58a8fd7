package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/affar/affar/internal/testutil/program"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/testutil"
	"github.com/affar/affar/internal/testutil/sheets"
)

// exportEvents returns the details of the export events of one action, oldest first.
func exportEvents(t *testing.T, env *testutil.Env, action string) []map[string]any {
	t.Helper()
	rows, err := env.DB.Pool.Query(context.Background(), `SELECT details FROM audit_events WHERE action = $1 ORDER BY id`, action)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var d map[string]any
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	if !strings.HasPrefix(body, "\uFEFF") {
		t.Fatal("the CSV has no byte order mark: Excel would garble å, ä and ö")
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF")))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// exportFixture: three customers in Umeå (one with a formula for a name and consent, one anonymised),
// one in Luleå.
func exportFixture(t *testing.T, env *testutil.Env) {
	t.Helper()
	ctx := authz.WithActor(context.Background(), authz.System())
	formula := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "=HYPERLINK(\"http://evil\")",
		Email: "formel@example.se", Street: "Storgatan 1", PostalCode: "90326", City: "Umeå"})
	if err := env.Services.Customers.SetConsent(ctx, formula.ID, true, "email"); err != nil {
		t.Fatal(err)
	}
	env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Åsa Öberg", Email: "asa@example.se",
		Street: "Kungsgatan 2", PostalCode: "903 27", City: "Umeå"})
	gone := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Borta Bengtsson", Email: "borta@example.se",
		Street: "Västra vägen 3", PostalCode: "903 28", City: "Umeå"})
	if _, err := env.Services.GDPR.Anonymise(ctx, gone.ID, gdpr.Input{Confirm: strconv.FormatInt(gone.Number, 10), Reason: "Begäran"}); err != nil {
		t.Fatal(err)
	}
	env.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Norrbotten AB", Email: "info@nb.example",
		Street: "Hamngatan 4", PostalCode: "972 31", City: "Luleå"})
}

func TestRegisterExportCSVAndXLSX(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	exportFixture(t, env)
	c := env.SignedInClient(t, "ex@example.se", false, authz.CustomerView, authz.CustomerExport)
	if r := c.Get("/crm?city=Ume%C3%A5"); !strings.Contains(r.Body, `formaction="/exports/register.csv"`) || strings.Contains(r.Body, "/exports/labels.pdf") {
		t.Fatal("the CRM screen does not offer exactly the exports the user may make")
	}

	r := c.PostForm("/exports/register.csv", url.Values{"city": {"Umeå"}})
	if r.Status != http.StatusOK || !strings.Contains(r.Header.Get("Content-Disposition"), "kundregister.csv") {
		t.Fatalf("CSV: %d %v", r.Status, r.Header)
	}
	recs := readCSV(t, r.Body)
	if len(recs) != 3 || recs[0][2] != "Namn" {
		t.Fatalf("CSV rows: %v", recs)
	}
	names := recs[1][2] + "|" + recs[2][2]
	if !strings.Contains(names, `'=HYPERLINK("http://evil")`) || !strings.Contains(names, "Åsa Öberg") {
		t.Fatalf("names %q: want the formula neutralised with an apostrophe and the other name intact", names)
	}
	if strings.Contains(r.Body, "Anonymiserad") || strings.Contains(r.Body, "Norrbotten") {
		t.Fatal("the export holds an anonymised customer or one outside the filter")
	}
	ev := exportEvents(t, env, "export.register")
	if len(ev) != 1 || ev[0]["rows"] != float64(2) || ev[0]["format"] != "csv" || ev[0]["filter"].(map[string]any)["city"] != "Umeå" {
		t.Fatalf("audit: %v", ev)
	}

	r = c.PostForm("/exports/register.xlsx", url.Values{"city": {"Umeå"}})
	if r.Status != http.StatusOK {
		t.Fatalf("XLSX: %d", r.Status)
	}
	zr, err := zip.NewReader(strings.NewReader(r.Body), int64(len(r.Body)))
	if err != nil {
		t.Fatalf("the XLSX is not a zip: %v", err)
	}
	var sheet string
	for _, f := range zr.File {
		if f.Name == "xl/worksheets/sheet1.xml" {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			sheet = string(b)
		}
	}
	if strings.Count(sheet, "<row ") != 3 || !strings.Contains(sheet, "Åsa Öberg") || !strings.Contains(sheet, "=HYPERLINK(&#34;http://evil&#34;)") ||
		strings.Contains(sheet, "<f>") {
		t.Fatalf("sheet: %s", sheet)
	}
	if ev := exportEvents(t, env, "export.register"); len(ev) != 2 || ev[1]["format"] != "xlsx" {
		t.Fatalf("audit: %v", ev)
	}
}

func TestEmailExportConsentByDefault(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	exportFixture(t, env)
	c := env.SignedInClient(t, "ex@example.se", false, authz.CustomerView, authz.CustomerExportEmail)
	recs := readCSV(t, c.PostForm("/exports/emails.csv", url.Values{}).Body)
	if len(recs) != 2 || recs[1][1] != "formel@example.se" {
		t.Fatalf("by default only customers with consent: %v", recs)
	}
	recs = readCSV(t, c.PostForm("/exports/emails.csv", url.Values{"all_emails": {"yes"}}).Body)
	if len(recs) != 4 {
		t.Fatalf("with all_emails: %v (want three customers, no anonymised one)", recs)
	}
	ev := exportEvents(t, env, "export.emails")
	if len(ev) != 2 || ev[0]["consent_only"] != true || ev[1]["consent_only"] != false || ev[1]["rows"] != float64(3) {
		t.Fatalf("audit: %v", ev)
	}
	if r := c.PostForm("/exports/register.csv", url.Values{}); r.Status != http.StatusForbidden {
		t.Fatalf("register export with only the e-mail permission: %d", r.Status)
	}
}

func TestExportsAreRateLimited(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	exportFixture(t, env)
	c := env.SignedInClient(t, "ex@example.se", false, authz.CustomerView, authz.CustomerExportEmail)
	for i := range 10 {
		if r := c.PostForm("/exports/emails.csv", url.Values{}); r.Status != http.StatusOK {
			t.Fatalf("export %d: %d", i+1, r.Status)
		}
		env.Clock.Advance(10 * time.Second)
	}
	r := c.PostForm("/exports/emails.csv", url.Values{})
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || strings.Contains(r.Body, "formel@example.se") {
		t.Fatalf("the 11th export in ten minutes: %d %q", r.Status, r.Header.Get("Retry-After"))
	}
	if n := len(exportEvents(t, env, "export.emails")); n != 10 {
		t.Fatalf("%d export events, want 10 (the refused one is not an export)", n)
	}
	env.Clock.Advance(10 * time.Minute)
	if r := c.PostForm("/exports/emails.csv", url.Values{}); r.Status != http.StatusOK {
		t.Fatalf("after the window: %d", r.Status)
	}
}

// embeddedFont is a pdffonts row of a CID TrueType font that is embedded (emb) and maps to Unicode (uni).
var embeddedFont = regexp.MustCompile(`CID TrueType\s+Identity-H\s+yes\s+(yes|no)\s+yes\s`)

// popplerRead is what poppler makes of a PDF: its text (pdftotext -layout), its fonts (pdffonts) and the
// dark pixels of its first page drawn at 50 dpi (pdftoppm).
type popplerRead struct {
	text, fonts string
	dark        int
}

// readWithPoppler reads the PDF body with poppler's programs (the test is skipped, or fails under
// REQUIRE_BROWSER, without them).
func readWithPoppler(t *testing.T, body string) popplerRead {
	t.Helper()
	pdftoppm, pdftotext, pdffonts := program.Find(t, "pdftoppm", "poppler-utils"), program.Find(t, "pdftotext", "poppler-utils"),
		program.Find(t, "pdffonts", "poppler-utils")
	dir := t.TempDir()
	pdf := filepath.Join(dir, "document.pdf")
	if err := os.WriteFile(pdf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	text, err := exec.Command(pdftotext, "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	fonts, err := exec.Command(pdffonts, pdf).Output()
	if err != nil {
		t.Fatal(err)
	}
	if err := exec.Command(pdftoppm, "-r", "50", "-png", "-f", "1", "-l", "1", pdf, filepath.Join(dir, "page")).Run(); err != nil {
		t.Fatal(err)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	if len(matches) != 1 {
		t.Fatalf("rendered pages: %v", matches)
	}
	return popplerRead{text: string(text), fonts: string(fonts), dark: darkPixels(t, matches[0])}
}

// darkPixels counts the pixels of the PNG at path that are darker than mid-grey.
func darkPixels(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	dark := 0
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			if r, g, bl, _ := img.At(x, y).RGBA(); (r+g+bl)/3 < 0x8000 {
				dark++
			}
		}
	}
	return dark
}

func TestAddressLabelsPDF(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	exportFixture(t, env)
	for i := range 25 {
		env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Etikett " + strconv.Itoa(i), Street: "Gatan " + strconv.Itoa(i),
			PostalCode: "90330", City: "Umeå"})
	}
	noAddress := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Utan Adress", City: "Umeå"})
	// A name the label font cannot draw: still printed, and named by its number on a last page.
	han := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "王芳", Street: "Gatan 99", PostalCode: "90330", City: "Umeå"})
	c := env.SignedInClient(t, "print@example.se", false, authz.CustomerView, authz.CustomerPrintLabels)

	r := c.PostForm("/exports/labels.pdf", url.Values{"city": {"Umeå"}, "all": {"yes"}})
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("labels: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	read := readWithPoppler(t, r.Body)
	text := read.text
	// 2 Umeå customers with an address + 26 = 28 labels: a full sheet of 24 and 4 on the next, then the
	// page that lists the label with characters the font lacks.
	if n := strings.Count(string(text), "903 30 UMEÅ") + strings.Count(string(text), "903 26 UMEÅ") + strings.Count(string(text), "903 27 UMEÅ"); n != 28 {
		t.Fatalf("%d labels, want 28:\n%s", n, text)
	}
	notice := strings.Split(string(text), "\f")[2]
	if !strings.Contains(notice, "Etiketter som inte kunde skrivas ut exakt") || !strings.Contains(notice, ": kund "+strconv.FormatInt(han.Number, 10)) ||
		strings.Count(notice, ": kund ") != 1 || strings.Contains(string(text), "王") {
		t.Fatalf("the last page should list customer %d, whose name the font lacks:\n%s", han.Number, notice)
	}
	// Below the two heading lines, one font: embedded ("emb"), with a ToUnicode map ("uni").
	if lines := strings.Split(strings.TrimSpace(read.fonts), "\n"); len(lines) != 3 || !embeddedFont.MatchString(lines[2]) {
		t.Fatalf("want one embedded font, pdffonts says:\n%s", read.fonts)
	}
	if strings.Contains(string(text), "Anonymiserad") || strings.Contains(string(text), "Borta") || strings.Contains(string(text), "Utan Adress") ||
		strings.Contains(string(text), "Norrbotten") {
		t.Fatal("the labels hold an anonymised customer, one without an address or one outside the filter")
	}
	if strings.Count(string(text), "\f") != 3 {
		t.Fatalf("%d pages, want 3", strings.Count(string(text), "\f"))
	}
	if dark := read.dark; dark < 500 {
		t.Fatalf("page 1 is blank: %d dark pixels", dark)
	}
	ev := exportEvents(t, env, "export.labels")
	if len(ev) != 1 || ev[0]["rows"] != float64(28) {
		t.Fatalf("audit: %v", ev)
	}

	// Ticked customers only; an anonymised one ticked by hand is left out.
	var ids []string
	rows, _ := env.DB.Pool.Query(context.Background(), `SELECT id FROM customers WHERE name IN ('Åsa Öberg', 'Etikett 3') OR anonymised_at IS NOT NULL OR id = $1`, noAddress.ID)
	for rows.Next() {
		var id int64
		_ = rows.Scan(&id)
		ids = append(ids, strconv.FormatInt(id, 10))
	}
	rows.Close()
	r = c.PostForm("/exports/labels.pdf", url.Values{"ids": ids})
	if r.Status != http.StatusOK {
		t.Fatalf("ticked labels: %d", r.Status)
	}
	if ev := exportEvents(t, env, "export.labels"); len(ev) != 2 || ev[1]["rows"] != float64(2) || ev[1]["selected"] != float64(4) {
		t.Fatalf("audit of ticked labels: %v", ev)
	}
	// Nothing to print goes back to the CRM screen with the reason.
	r = c.PostForm("/exports/labels.pdf", url.Values{"city": {"Kiruna"}, "all": {"yes"}})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/crm") {
		t.Fatalf("empty selection: %d %q", r.Status, r.Location)
	}
	if r := c.Get(r.Location); !strings.Contains(r.Body, "Inga kunder att exportera") {
		t.Fatal("the reason is not shown")
	}
}

// registerHeadings are the register export's headings, in Swedish.
var registerHeadings = []string{"Kundnummer", "Typ", "Namn", "Person-/organisationsnummer", "E-post", "Telefon", "Gatuadress",
	"Postnummer", "Ort", "Land", "Samtycke marknadsföring", "Skapad", "Senaste aktivitet", "Anteckningar"}

// spreadsheetFixture: two customers whose values spreadsheets like to take for something else, and a
// client signed in to export them. Åsa is created just before midnight UTC, already the next day in
// Stockholm, with an international phone number and notes that look like a formula; the company abroad
// has text that starts like a formula, a postal code that looks like a number and no phone, e-mail,
// identity number or notes.
func spreadsheetFixture(t *testing.T) (c *testutil.Client, asa, bolag domain.Customer) {
	t.Helper()
	env := testutil.NewEnv(t, nil)
	ctx := authz.WithActor(context.Background(), authz.System())
	env.Clock.Set(time.Date(2026, 1, 2, 23, 30, 0, 0, time.UTC))
	asa = env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Åsa Öberg", IDNumber: "690220-1232", Email: "asa@example.se",
		Phone: "+46 70 123 45 67", Street: "Storgatan 1", PostalCode: "90326", City: "Umeå", Notes: "=1+1"})
	if err := env.Services.Customers.SetConsent(ctx, asa.ID, true, "email"); err != nil {
		t.Fatal(err)
	}
	env.Clock.Set(time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC))
	bolag = env.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "@Bolaget AB", Street: "-1 trappa, Karl Johans gate 1",
		PostalCode: "0150", City: "+Oslo", Country: "NO"})
	// Full identity numbers (customer.view_identity): the register's exact columns, the number unmasked.
	_, pw := env.MustCreateUser(t, "ex@example.se", false, authz.CustomerView, authz.CustomerExport, authz.CustomerViewIdentity)
	c = env.NewClient(t)
	c.SignIn("ex@example.se", pw)
	return c, asa, bolag
}

// TestRegisterCSVGuardsFreeTextOnly: an international phone number is written as typed, while free text
// that starts like a formula keeps its apostrophe; dates are the Stockholm day in ISO form.
func TestRegisterCSVGuardsFreeTextOnly(t *testing.T) {
	c, asa, bolag := spreadsheetFixture(t)
	recs := readCSV(t, c.PostForm("/exports/register.csv", url.Values{}).Body)
	want := [][]string{registerHeadings,
		{strconv.FormatInt(asa.Number, 10), "Privatperson", "Åsa Öberg", "19690220-1232", "asa@example.se", "+46 70 123 45 67", "Storgatan 1",
			"903 26", "Umeå", "SE", "ja", "2026-01-03", "2026-01-03", "'=1+1"},
		{strconv.FormatInt(bolag.Number, 10), "Företag", "'@Bolaget AB", "", "", "", "'-1 trappa, Karl Johans gate 1", "0150", "'+Oslo", "NO",
			"nej", "2026-06-15", "2026-06-15", ""},
	}
	if fmt.Sprint(recs) != fmt.Sprint(want) {
		t.Errorf("CSV:\n got %q\nwant %q", recs, want)
	}
}

// TestRegisterXLSXInSpreadsheetPrograms exports the register as XLSX through the real path and opens it in
// Gnumeric, LibreOffice and openpyxl: each must read every row, numbers as numbers, dates as dates, text
// as text (formula-like text too), empty values as empty cells, and openpyxl the autofilter, the frozen
// header and a width for every column. The file's properties name no one.
func TestRegisterXLSXInSpreadsheetPrograms(t *testing.T) {
	c, asa, bolag := spreadsheetFixture(t)
	r := c.PostForm("/exports/register.xlsx", url.Values{})
	if r.Status != http.StatusOK {
		t.Fatalf("XLSX: %d", r.Status)
	}
	path := filepath.Join(t.TempDir(), "kundregister.xlsx")
	if err := os.WriteFile(path, []byte(r.Body), 0o600); err != nil {
		t.Fatal(err)
	}
	text := func(s string) sheets.Cell { return sheets.Cell{Kind: sheets.Text, Value: s} }
	number := func(n int64) sheets.Cell { return sheets.Cell{Kind: sheets.Number, Value: strconv.FormatInt(n, 10)} }
	date := func(s string) sheets.Cell { return sheets.Cell{Kind: sheets.Date, Value: s} }
	empty := sheets.Cell{Kind: sheets.Empty}
	var header []sheets.Cell
	for _, h := range registerHeadings {
		header = append(header, text(h))
	}
	want := []sheets.Sheet{{Name: "Kundregister", Rows: [][]sheets.Cell{header,
		{number(asa.Number), text("Privatperson"), text("Åsa Öberg"), text("19690220-1232"), text("asa@example.se"), text("+46 70 123 45 67"),
			text("Storgatan 1"), text("903 26"), text("Umeå"), text("SE"), text("ja"), date("2026-01-03"), date("2026-01-03"), text("=1+1")},
		{number(bolag.Number), text("Företag"), text("@Bolaget AB"), empty, empty, empty, text("-1 trappa, Karl Johans gate 1"), text("0150"),
			text("+Oslo"), text("NO"), text("nej"), date("2026-06-15"), date("2026-06-15")},
	}}}
	sheets.Compare(t, "Gnumeric", sheets.Gnumeric(t, path), want)
	sheets.Compare(t, "LibreOffice", sheets.LibreOffice(t, path), want)
	got := sheets.Openpyxl(t, path)
	sheets.Compare(t, "openpyxl", got, want)
	if len(got) == 1 && (got[0].Filter != "A1:N3" || got[0].Frozen != "A2" || len(got[0].Widths) != 14) {
		t.Errorf("openpyxl: filter %q, frozen %q, widths %v; want A1:N3, A2 and fourteen widths", got[0].Filter, got[0].Frozen, got[0].Widths)
	}

	zr, err := zip.NewReader(strings.NewReader(r.Body), int64(len(r.Body)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if !strings.HasPrefix(f.Name, "docProps/") {
			continue
		}
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		for _, personal := range []string{"ex@example.se", "Åsa", "Bolaget"} {
			if strings.Contains(string(b), personal) {
				t.Errorf("%s names %q", f.Name, personal)
			}
		}
	}
}
