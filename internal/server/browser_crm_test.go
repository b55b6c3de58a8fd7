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

// button finds a button by what it says.
func button(label string) chromedp.Search {
	return chromedp.Search(`//button[normalize-space()="` + label + `"]`)
}

// TestBrowserBulkAnonymise selects customers on the CRM screen by a filter, by the buttons that say they
// delete or anonymise, sees them listed in the preview, confirms it by the button naming the action and
// count, and watches its progress reach 100 % in a real browser (htmx polling).
func TestBrowserBulkAnonymise(t *testing.T) {
	t.Parallel()
	env := testutil.NewEnv(t, nil)
	env.StartJobs(t)
	var kiruna []domain.Customer
	for i := range 40 {
		kiruna = append(kiruna, env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Kund " + strconv.Itoa(i), City: "Kiruna"}))
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
	// Ticked rows: the preview lists those two, and nothing happens until it is confirmed.
	ticked, filtered := []domain.Customer{kiruna[3], kiruna[7]}, b.location("filtered")
	b.do("preview the ticked ones",
		chromedp.Click(chromedp.CSS(`input[aria-label="Select customer `+strconv.FormatInt(ticked[0].Number, 10)+`"]`)),
		chromedp.Click(chromedp.CSS(`input[aria-label="Select customer `+strconv.FormatInt(ticked[1].Number, 10)+`"]`)),
		chromedp.Click(button("Delete or anonymise the ticked ones …")),
		chromedp.WaitVisible(chromedp.ID("selection")),
	)
	got := b.text("ticked preview", "#selection tbody")
	for _, c := range ticked {
		if !strings.Contains(got, strconv.FormatInt(c.Number, 10)+"\t"+c.Name) {
			t.Errorf("the preview of the ticked ones does not list %d %s: %q", c.Number, c.Name, got)
		}
	}
	if strings.Count(got, "Kund ") != 2 {
		t.Errorf("the preview of two ticked customers lists others: %q", got)
	}
	if got := b.text("ticked confirm", "#confirm-anonymise"); got != "Anonymise 2 customers" {
		t.Errorf("confirm button of the ticked ones: %q", got)
	}
	b.do("back to the filtered CRM screen",
		chromedp.Navigate(filtered),
		chromedp.WaitVisible(chromedp.ID("select-all")),
	)
	b.do("preview all that match",
		chromedp.Click(button("Delete or anonymise all 40 matching this filter …")),
		chromedp.WaitVisible(chromedp.ID("frozen")),
	)
	if got := b.text("preview", "#frozen"); !strings.Contains(got, "40") {
		t.Errorf("preview: %q", got)
	}
	if got := b.text("preview", "#if-anonymise"); !strings.Contains(got, "40") {
		t.Errorf("preview of anonymise: %q", got)
	}
	got = b.text("preview", "#selection tbody")
	for _, c := range kiruna {
		if !strings.Contains(got, strconv.FormatInt(c.Number, 10)+"\t"+c.Name) {
			t.Errorf("the preview does not list %d %s", c.Number, c.Name)
		}
	}
	if strings.Contains(got, "Stannar Kvar") {
		t.Errorf("the preview lists a customer outside the filter: %q", got)
	}
	b.do("confirm",
		chromedp.SendKeys(chromedp.ID("reason"), "Inaktiva kunder i Kiruna"),
		chromedp.Click(button("Anonymise 40 customers")),
		chromedp.WaitVisible(chromedp.ID("job-progress")),
		chromedp.WaitVisible(chromedp.ID("verified")), // appears when the job is done; htmx polls for it
	)
	if got := b.text("report", "#main"); strings.Contains(got, "The bulk job has started.") {
		t.Errorf("the finished report still says the job has started: %q", got)
	}
	if got := b.text("times", "#job-times"); !strings.Contains(got, "Started: ") || !strings.Contains(got, "Finished: ") {
		t.Errorf("start and finish times: %q", got)
	}
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

// TestBrowserCRMTicksAcrossPages ticks a customer on page 1 (the script saves it at once), goes to page 2,
// ticks one there, and previews "the ticked ones": the preview lists both.
func TestBrowserCRMTicksAcrossPages(t *testing.T) {
	t.Parallel()
	env := testutil.NewEnv(t, nil)
	var all []domain.Customer
	for i := range 30 {
		all = append(all, env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Kund " + strconv.Itoa(i), City: "Kiruna"}))
	}
	first, second := all[2], all[27] // by number, 25 a page
	box := func(c domain.Customer) string {
		return `#segment input[name="ids"][value="` + strconv.FormatInt(int64(c.ID), 10) + `"]`
	}
	b := signedInTab(t, env, "dpo@example.se", authz.CustomerView, authz.CustomerBulkErase, authz.CustomerAnonymise)
	b.do("open page 1",
		chromedp.Navigate(env.HTTP.URL+"/crm?size=25"),
		chromedp.WaitReady(chromedp.CSS("#tick-page:not(.js-only)")), // shown by the script
	)
	b.do("tick on page 1",
		chromedp.Click(chromedp.CSS(box(first))),
		chromedp.WaitVisible(chromedp.ID("clear-ticks")), // the answer to the script's post
	)
	if got := b.text("ticks", "#ticks-count"); !strings.HasPrefix(got, "1 ") {
		t.Errorf("ticks after one: %q", got)
	}
	b.do("page 2",
		chromedp.Click(chromedp.CSS(`nav.pager a[href*="after="]`)),
		chromedp.WaitVisible(chromedp.CSS(box(second))),
	)
	if got := b.text("ticks on page 2", "#ticks-count"); !strings.HasPrefix(got, "1 ") {
		t.Errorf("ticks on page 2: %q", got)
	}
	b.do("tick on page 2",
		chromedp.Click(chromedp.CSS(box(second))),
		chromedp.WaitVisible(chromedp.CSS(`#ticks-count strong`)),
		chromedp.Poll[chromedp.Void](`document.getElementById("ticks-count").textContent.trim().startsWith("2 ")`),
		chromedp.Click(chromedp.ID("selected")),
		chromedp.WaitVisible(chromedp.ID("selection")),
	)
	got := b.text("preview", "#selection tbody")
	for _, c := range []domain.Customer{first, second} {
		if !strings.Contains(got, strconv.FormatInt(c.Number, 10)+"\t"+c.Name) {
			t.Errorf("the preview does not list %d %s: %q", c.Number, c.Name, got)
		}
	}
	if strings.Count(got, "Kund ") != 2 {
		t.Errorf("the preview of two ticked customers lists others: %q", got)
	}
}
