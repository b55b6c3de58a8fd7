package server_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil"
)

// TestBrowserBulkAnonymise selects customers on the CRM screen by a filter, previews the bulk job,
// confirms it and watches its progress reach 100 % in a real browser (htmx polling).
func TestBrowserBulkAnonymise(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	env.StartJobs(t)
	for i := range 40 {
		env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Kund " + strconv.Itoa(i), City: "Kiruna"})
	}
	env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Stannar Kvar", City: "Visby"})

	b := signedInTab(t, env, "dpo@example.se", authz.CustomerView, authz.CustomerBulkErase, authz.CustomerAnonymise, authz.AuditView)
	b.do("open the CRM screen",
		chromedp.Click(chromedp.CSS(`nav a[href="/crm"]`)),
		chromedp.WaitVisible(chromedp.ID("segment-count")),
	)
	b.do("filter by town",
		chromedp.SendKeys(chromedp.ID("city"), "Kiruna"),
		chromedp.Click(chromedp.CSS(`form.filters button[type="submit"]`)),
		// The filtered page carries the filter into the bulk form; the first page did not.
		chromedp.WaitReady(chromedp.CSS(`#segment input[name="city"]`)),
		chromedp.WaitVisible(chromedp.ID("select-all")),
	)
	if got := b.text("count", "#segment-count"); !strings.Contains(got, "40") {
		t.Fatalf("count after filtering: %q", got)
	}
	b.do("preview",
		chromedp.Click(chromedp.ID("select-all")),
		chromedp.WaitVisible(chromedp.ID("frozen")),
	)
	if got := b.text("preview", "#frozen"); !strings.Contains(got, "40") {
		t.Errorf("preview: %q", got)
	}
	if got := b.text("preview", "#if-anonymise"); !strings.Contains(got, "40") {
		t.Errorf("preview of anonymise: %q", got)
	}
	b.do("confirm",
		chromedp.SendKeys(chromedp.ID("reason"), "Inaktiva kunder i Kiruna"),
		chromedp.Click(chromedp.ID("confirm")),
		chromedp.WaitVisible(chromedp.ID("job-progress")),
		chromedp.WaitVisible(chromedp.ID("verified")), // appears when the job is done; htmx polls for it
	)
	if got := b.text("progress", "#job-percent"); !strings.Contains(got, "40 of 40") || !strings.Contains(got, "100 %") {
		t.Errorf("progress at the end: %q", got)
	}
	if got := b.text("report", "#outcomes"); !strings.Contains(got, "Anonymised\t40") {
		t.Errorf("report: %q", got)
	}
	if got := b.text("verification", "#verified"); !strings.Contains(got, "none of the anonymised or deleted customers") {
		t.Errorf("verification: %q", got)
	}
	b.do("the register entry",
		chromedp.Click(chromedp.CSS(`a[href^="/erasures#erasure-"]`)),
		chromedp.WaitVisible(chromedp.CSS(`tr[id^="erasure-"]`)),
	)
	if got := b.text("register", `tr[id^="erasure-"]`); !strings.Contains(got, "Bulk job") || !strings.Contains(got, "Inaktiva kunder i Kiruna") {
		t.Errorf("register entry: %q", got)
	}
}
