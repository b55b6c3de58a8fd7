package server_test

import (
	"bytes"
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil"
)

// docLines are the seeded quote's lines: one at each VAT rate but 0 %, one description long enough to wrap.
var docLines = []domain.QuoteLineInput{
	{Description: "Målning av fasad, två strykningar med linoljefärg inklusive skrapning av fönsterbågar", Quantity: "10", UnitPrice: "450", VATRate: "25"},
	{Description: "Hotellnatt för montörer", Quantity: "2", UnitPrice: "1200", VATRate: "12"},
	{Description: "Handbok om ådringsmålning", Quantity: "3", UnitPrice: "199,50", VATRate: "6"},
}

// docFixture saves the company's details through the settings page as an admin would, and a customer
// with a quote of docLines; it returns the customer and the quote's path.
func docFixture(t *testing.T, env *testutil.Env) (domain.Customer, string) {
	t.Helper()
	admin := env.SignedInClient(t, "admin@example.se", true)
	r := admin.PostForm("/settings/company", url.Values{"company_name": {"Måleri Öst AB"}, "company_org_number": {"556036-0793"},
		"company_vat_number": {"SE556036079301"}, "company_street": {"Verkstadsgatan 4"}, "company_postal_code": {"90330"},
		"company_city": {"Umeå"}, "company_email": {"info@maleri.example"}, "company_phone": {"090-12 34 56"},
		"quote_terms": {"Betalningsvillkor 30 dagar netto."}, "document_language": {"sv"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("saving the company's details: %d\n%s", r.Status, r.Body)
	}
	c := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Kund Åberg AB", Email: "inkop@aberg.example",
		Street: "Kundvägen 2", PostalCode: "11122", City: "Stockholm", Country: "SE"})
	q, err := env.Services.Quotes.Create(authz.WithActor(context.Background(), authz.System()), c.ID,
		domain.QuoteInput{QuoteDate: "2026-11-02", ValidUntil: "2026-12-02", Lines: docLines})
	if err != nil {
		t.Fatal(err)
	}
	return c, "/quotes/" + strconv.FormatInt(int64(q.ID), 10)
}

// pageCells are the texts of the quote page's total and VAT rows, as a reader sees them.
var (
	totalCell = regexp.MustCompile(`id="quote-total"><strong>([^<]+)</strong>`)
	vatRow    = regexp.MustCompile(`<th scope="row" colspan="4">(Moms [^<]+)</th>\s*<td class="num nowrap">([^<]+)</td>`)
)

// nbsp reads the thousands separator of Swedish amounts as a space, as one reads a printout.
func nbsp(s string) string { return strings.ReplaceAll(s, "\u00a0", " ") }

// TestQuotePDF: the quote page links its PDF; the PDF holds the company, the customer's billing address,
// every line, the VAT of each rate and the total as the page shows them, in an embedded font, and renders
// to a page with ink on it; the download is recorded as a view of the customer, with ids only.
func TestQuotePDF(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	c, path := docFixture(t, env)
	viewer := env.SignedInClient(t, "viewer@example.se", false, authz.CustomerView)
	page := viewer.Get(path)
	if page.Status != http.StatusOK || !strings.Contains(page.Body, `href="`+path+`/pdf"`) || !strings.Contains(page.Body, "Skriv ut / PDF") {
		t.Fatalf("quote page: %d, want a link to the PDF", page.Status)
	}
	total, vats := totalCell.FindStringSubmatch(page.Body), vatRow.FindAllStringSubmatch(page.Body, -1)
	if total == nil || len(vats) != 3 {
		t.Fatalf("the quote page shows total %v and %d VAT rows, want 3", total, len(vats))
	}

	since := lastEventID(t, env.DB)
	r := viewer.Get(path + "/pdf")
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(r.Body, "%PDF-") {
		t.Fatalf("PDF: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	read := readWithPoppler(t, r.Body)
	text := nbsp(read.text)
	want := []string{"Måleri Öst AB", "Verkstadsgatan 4", "903 30 Umeå", "Org.nr 556036-0793", "Momsreg.nr SE556036079301",
		"Kund Åberg AB", "Kundvägen 2", "111 22 Stockholm", "2026-11-02", "2026-12-02", "Betalningsvillkor 30 dagar netto.",
		"Hotellnatt för montörer", "Handbok om ådringsmålning", "Totalt inkl. moms " + nbsp(html.UnescapeString(total[1]))}
	for _, v := range vats {
		want = append(want, nbsp(html.UnescapeString(v[1]))+" "+nbsp(html.UnescapeString(v[2])))
	}
	flat := strings.Join(strings.Fields(text), " ") // the layout's columns as one line of words
	for _, w := range want {
		if !strings.Contains(flat, w) {
			t.Errorf("the PDF lacks %q:\n%s", w, text)
		}
	}
	if !strings.Contains(flat, "Målning av fasad, två strykningar") || !strings.Contains(flat, "fönsterbågar") {
		t.Errorf("the long description is not all there:\n%s", text)
	}
	if lines := strings.Split(strings.TrimSpace(read.fonts), "\n"); len(lines) != 3 || !embeddedFont.MatchString(lines[2]) {
		t.Fatalf("want one embedded font, pdffonts says:\n%s", read.fonts)
	}
	if read.dark < 500 {
		t.Fatalf("the page is blank: %d dark pixels", read.dark)
	}

	actions, err := testutil.AuditActions(context.Background(), env.DB.Pool, since)
	if err != nil || len(actions) != 1 || actions["customer.viewed"] != 1 {
		t.Fatalf("audit after the download: %v %v, want one customer.viewed", actions, err)
	}
	var details string
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT entity_id::text || ' ' || details::text FROM audit_events WHERE id > $1`, since).Scan(&details); err != nil {
		t.Fatal(err)
	}
	if details != strconv.FormatInt(int64(c.ID), 10)+` {"document": "pdf", "quote_id": `+strings.TrimPrefix(path, "/quotes/")+`}` {
		t.Errorf("audit event: %s, want the customer, the quote and the document by id", details)
	}
}

// outboxCount is how many messages are queued or sent.
func outboxCount(t *testing.T, env *testutil.Env) int {
	t.Helper()
	var n int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestQuoteEmail: "E-posta offerten" offers the customer's address and a message, refuses a bad address
// beside the field keeping what was typed, and then puts exactly one message with the PDF in the outbox
// with one audit event that names no address; the draft is marked as sent (as Fortnox does). A user
// without "edit customer details" is refused and queues nothing; the outbox page shows the attachment.
func TestQuoteEmail(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	_, path := docFixture(t, env)
	editor := env.SignedInClient(t, "editor@example.se", false, authz.CustomerEdit, authz.CustomerView)
	show := editor.Get(path)
	if !strings.Contains(show.Body, `href="`+path+`/email"`) || !strings.Contains(show.Body, "E-posta offerten") {
		t.Fatalf("the quote page has no e-mail button:\n%s", show.Body)
	}
	form := editor.Get(path + "/email")
	if form.Status != http.StatusOK || !strings.Contains(form.Body, `value="inkop@aberg.example"`) ||
		!strings.Contains(form.Body, "Här kommer offert") || !strings.Contains(form.Body, "markeras som skickad och låses") ||
		!strings.Contains(form.Body, "Ingen e-postserver är inställd") {
		t.Fatalf("e-mail form: %d\n%s", form.Status, form.Body)
	}
	bad := editor.PostForm(path+"/email", url.Values{"to": {"inkop@"}, "message": {"Mitt eget meddelande"}})
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "Ange en giltig e-postadress.") ||
		!strings.Contains(bad.Body, "Mitt eget meddelande") || outboxCount(t, env) != 0 {
		t.Fatalf("a bad address: %d, outbox %d\n%s", bad.Status, outboxCount(t, env), bad.Body)
	}

	viewer := env.SignedInClient(t, "viewer@example.se", false, authz.CustomerView)
	if r := viewer.PostForm(path+"/email", url.Values{"to": {"inkop@aberg.example"}, "message": {"Hej"}}); r.Status != http.StatusForbidden || outboxCount(t, env) != 0 {
		t.Fatalf("without customer.edit: %d, outbox %d", r.Status, outboxCount(t, env))
	}

	since := lastEventID(t, env.DB)
	r := editor.PostForm(path+"/email", url.Values{"to": {"inkop@aberg.example"}, "message": {"Hej!\nHär är offerten."}})
	if r.Status != http.StatusSeeOther || r.Location != path {
		t.Fatalf("e-mailing: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	var to, name, ctype, body string
	var content []byte
	err := env.DB.Pool.QueryRow(context.Background(), `SELECT o.recipient, o.body, a.filename, a.content_type, a.content
		FROM outbox o JOIN outbox_attachments a ON a.outbox_id = o.id`).Scan(&to, &body, &name, &ctype, &content)
	if err != nil || outboxCount(t, env) != 1 {
		t.Fatalf("outbox: %d messages, %v", outboxCount(t, env), err)
	}
	if to != "inkop@aberg.example" || body != "Hej!\nHär är offerten." || ctype != "application/pdf" ||
		!regexp.MustCompile(`^Offert-\d+\.pdf$`).MatchString(name) || !bytes.HasPrefix(content, []byte("%PDF-")) {
		t.Errorf("message to %q, %q, attachment %q %q starting %q", to, body, name, ctype, content[:min(8, len(content))])
	}
	actions, _ := testutil.AuditActions(context.Background(), env.DB.Pool, since)
	if actions["quote.emailed"] != 1 || actions["quote.status_changed"] != 1 {
		t.Errorf("audit: %v, want one quote.emailed and the status change", actions)
	}
	var details string
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT details::text FROM audit_events WHERE action = 'quote.emailed'`).Scan(&details); err != nil ||
		strings.Contains(details, "@") || strings.Contains(details, "aberg") {
		t.Errorf("the audit event names the address: %s %v", details, err)
	}
	after := editor.Get(path)
	if !strings.Contains(after.Body, "Den är markerad som skickad.") || !strings.Contains(after.Body, ">Skickad<") ||
		!strings.Contains(after.Body, "Kundvägen 2") {
		t.Errorf("after e-mailing, the page shows no sent quote with its billing snapshot:\n%s", after.Body)
	}

	admin := env.SignedInClient(t, "admin2@example.se", true)
	outbox := admin.Get("/outbox")
	link := regexp.MustCompile(`<a href="(/outbox/\d+/attachments/0)">Bifogad fil: ` + regexp.QuoteMeta(name) + ` \(\d+ kB\)</a>`).FindStringSubmatch(outbox.Body)
	if link == nil {
		t.Fatalf("the outbox page does not offer the attachment:\n%s", outbox.Body)
	}
	since = lastEventID(t, env.DB)
	file := admin.Get(link[1])
	if file.Status != http.StatusOK || file.Header.Get("Content-Type") != "application/pdf" || file.Body != string(content) {
		t.Errorf("the outbox's file: %d %s", file.Status, file.Header.Get("Content-Type"))
	}
	if actions, _ := testutil.AuditActions(context.Background(), env.DB.Pool, since); actions["outbox.attachment_viewed"] != 1 {
		t.Errorf("opening the outbox's file was not recorded: %v", actions)
	}
}

// TestMarkSentAsksFirst: "Markera som skickad" leads to a page that says the quote gets locked, whose
// button marks it sent; once sent, that page goes back to the quote.
func TestMarkSentAsksFirst(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	_, path := docFixture(t, env)
	editor := env.SignedInClient(t, "editor@example.se", false, authz.CustomerEdit, authz.CustomerView)
	show := editor.Get(path)
	if !strings.Contains(show.Body, `href="`+path+`/send"`) || strings.Contains(show.Body, `name="status" value="sent"`) {
		t.Fatalf("the quote page sends without asking:\n%s", show.Body)
	}
	ask := editor.Get(path + "/send")
	if ask.Status != http.StatusOK || !strings.Contains(ask.Body, "Offerten låses och kan inte ändras efter att den markerats som skickad. Markera som skickad?") ||
		!strings.Contains(ask.Body, `action="`+path+`/status"`) || !strings.Contains(ask.Body, `name="status" value="sent"`) {
		t.Fatalf("confirmation page: %d\n%s", ask.Status, ask.Body)
	}
	if r := editor.PostForm(path+"/status", url.Values{"status": {"sent"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("marking as sent: %d", r.Status)
	}
	if r := editor.Get(path + "/send"); r.Status != http.StatusSeeOther || r.Location != path {
		t.Errorf("the confirmation of a sent quote: %d %s, want back to the quote", r.Status, r.Location)
	}
}

// TestCompanySettingsForm: the company's details are on the settings page; a wrong VAT number is refused
// beside its field with what was typed kept.
func TestCompanySettingsForm(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	admin := env.SignedInClient(t, "admin@example.se", true)
	if p := admin.Get("/settings"); !strings.Contains(p.Body, "Företagsuppgifter") || !strings.Contains(p.Body, `name="company_vat_number"`) {
		t.Fatalf("settings page without the company's details:\n%s", p.Body)
	}
	r := admin.PostForm("/settings/company", url.Values{"company_name": {"Måleri Öst AB"}, "company_org_number": {"556036-0793"},
		"company_vat_number": {"SE556036079399"}, "document_language": {"sv"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "SE följt av tolv siffror som slutar på 01") ||
		!strings.Contains(r.Body, `value="SE556036079399"`) || !strings.Contains(r.Body, `value="Måleri Öst AB"`) {
		t.Fatalf("a wrong VAT number: %d\n%s", r.Status, r.Body)
	}
}
