package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/records"
	"github.com/affar/affar/internal/testutil"
)

// recordForm is the record's form with the customers' purpose and legal basis filled in.
func recordForm(purpose, basis string) url.Values {
	return url.Values{"purpose.customers": {purpose}, "basis.customers": {basis},
		"recipients.customers": {"Redovisningsbyrå"}, "transfers.users": {"Inga"}}
}

// TestRecordOfProcessing: the data protection officer's record lists every personal column under a
// category, names the controller, keeps each save as a version that stays viewable, and tells what is
// wrong with a form it refuses; an auditor reads it but may not change it, a clerk may not read it.
func TestRecordOfProcessing(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	ctx := authz.WithActor(context.Background(), authz.System())
	if err := env.Services.Settings.SetCompany(ctx, domain.CompanyInput{Name: "Registret Demo AB", City: "Umeå", Language: "sv"}); err != nil {
		t.Fatal(err)
	}
	dpo := env.SignedInClient(t, "dpo@example.se", false, authz.AuditView, authz.PrivacyManage)
	page := dpo.Get("/privacy/records")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "Registret Demo AB") || !strings.Contains(page.Body, "Ingen version är sparad än.") {
		t.Fatalf("the empty record: %d\n%s", page.Status, page.Body)
	}
	sv := context.Background()
	for _, c := range records.Columns(records.Tables()) {
		label := html.EscapeString(i18n.T(sv, c.TableLabel) + ": " + i18n.T(sv, c.Label))
		section := between(page.Body, `id="subject-`+string(c.Subject)+`"`, "</section>")
		if !strings.Contains(section, `<span class="record-column">`+label+`</span>`) {
			t.Errorf("%s.%s is not listed under %s", c.Table, c.Name, c.Subject)
		}
	}
	for _, tom := range []string{"argon2id", "Hashkedjad behörighetslogg", "bokföringslagen 7 kap. 2 §"} {
		if !strings.Contains(page.Body, tom) {
			t.Errorf("the record lacks %q", tom)
		}
	}

	bad := dpo.PostForm("/privacy/records", recordForm("Försäljning", "g"))
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "Välj en rättslig grund i listan.") ||
		!strings.Contains(bad.Body, "novalidate") || !strings.Contains(bad.Body, "Försäljning") {
		t.Fatalf("a legal basis outside art. 6(1): %d", bad.Status)
	}
	for i, purpose := range []string{"Offerter till kunder", "Försäljning och kundvård"} {
		if r := dpo.PostForm("/privacy/records", recordForm(purpose, "b")); r.Status != http.StatusSeeOther || r.Location != "/privacy/records" {
			t.Fatalf("save %d: %d %s", i+1, r.Status, r.Location)
		}
	}
	cur := dpo.Get("/privacy/records")
	if !strings.Contains(cur.Body, "Version 2, sparad") || !strings.Contains(cur.Body, "Försäljning och kundvård") ||
		!strings.Contains(cur.Body, "Avtal (artikel 6.1 b)") || !strings.Contains(cur.Body, `href="/privacy/records/versions/1"`) {
		t.Fatalf("the current version after two saves:\n%s", cur.Body)
	}
	old := dpo.Get("/privacy/records/versions/1")
	if old.Status != http.StatusOK || !strings.Contains(old.Body, "Offerter till kunder") || strings.Contains(old.Body, "Försäljning och kundvård") ||
		!strings.Contains(old.Body, "Det här är en tidigare version.") {
		t.Fatalf("version 1: %d", old.Status)
	}
	if r := dpo.Get("/privacy/records/versions/9"); r.Status != http.StatusNotFound {
		t.Errorf("a version that does not exist: %d", r.Status)
	}

	auditor := env.SignedInClient(t, "revisor@example.se", false, authz.AuditView)
	if r := auditor.Get("/privacy/records"); r.Status != http.StatusOK || strings.Contains(r.Body, `href="/privacy/records/edit"`) {
		t.Errorf("an auditor reading the record: %d", r.Status)
	}
	if r := auditor.PostForm("/privacy/records", recordForm("Ändrat", "a")); r.Status != http.StatusForbidden {
		t.Errorf("an auditor saving the record: %d", r.Status)
	}
	officer := env.SignedInClient(t, "skydd@example.se", false, authz.PrivacyManage)
	if r := officer.Get("/privacy/records/versions/2"); r.Status != http.StatusOK || !strings.Contains(r.Body, `href="/privacy/records/edit"`) {
		t.Errorf("data protection without the audit log reading the record: %d", r.Status)
	}
	clerk := env.SignedInClient(t, "clerk@example.se", false, authz.CustomerView)
	if r := clerk.Get("/privacy/records"); r.Status != http.StatusForbidden || !strings.Contains(r.Body, "Du behöver en av behörigheterna") {
		t.Errorf("a clerk reading the record: %d", r.Status)
	}
}

// TestRecordPDF: the record as a PDF names the controller, a category and a column, in the embedded font.
func TestRecordPDF(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	ctx := authz.WithActor(context.Background(), authz.System())
	if err := env.Services.Settings.SetCompany(ctx, domain.CompanyInput{Name: "Registret Demo AB", Language: "sv"}); err != nil {
		t.Fatal(err)
	}
	dpo := env.SignedInClient(t, "dpo@example.se", false, authz.AuditView, authz.PrivacyManage)
	if r := dpo.PostForm("/privacy/records", recordForm("Offerter till kunder", "b")); r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d", r.Status)
	}
	r := dpo.Get("/privacy/records.pdf")
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("PDF: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	read := readWithPoppler(t, r.Body)
	flat := strings.Join(strings.Fields(read.text), " ")
	for _, want := range []string{"Registret Demo AB", "Kunder som är privatpersoner", "Kontaktpersoner hos leverantörer",
		"Person-/organisationsnummer", "Offerter till kunder", "Avtal (artikel 6.1 b)"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the PDF lacks %q:\n%s", want, read.text)
		}
	}
	if lines := strings.Split(strings.TrimSpace(read.fonts), "\n"); len(lines) != 3 || !embeddedFont.MatchString(lines[2]) {
		t.Fatalf("want one embedded font, pdffonts says:\n%s", read.fonts)
	}
	// In the reader's language.
	if r := dpo.PostForm("/language", url.Values{"language": {"en"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("language: %d", r.Status)
	}
	en := strings.Join(strings.Fields(readWithPoppler(t, dpo.Get("/privacy/records.pdf").Body).text), " ")
	for _, want := range []string{"Record of processing activities", "Customers who are natural persons", "Contract (Article 6(1)(b))"} {
		if !strings.Contains(en, want) {
			t.Errorf("the English PDF lacks %q:\n%s", want, en)
		}
	}
}
