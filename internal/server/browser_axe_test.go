package server_test

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/affar/affar/internal/testutil"
)

// axeViolation is what the test reports of one axe-core violation: its rule, how bad, and where.
type axeViolation struct {
	ID, Impact string
	Nodes      []struct{ Target []any }
}

// TestBrowserAxe runs axe-core (vendored under testdata/axe, for tests only) over the main pages in
// both languages — among them a form showing its errors, the bulk job preview and report, and every
// page at a phone's width — and fails on any violation, naming page, rule and elements.
func TestBrowserAxe(t *testing.T) {
	axe, err := os.ReadFile("testdata/axe/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	env := testutil.NewEnv(t, nil)
	pages := phonePages(t, env)
	bulk := phonePage{name: "bulk job preview", path: "/crm", ready: "#select-all", prepare: chromedp.Steps(
		chromedp.Click(chromedp.ID("select-all")),
		chromedp.WaitVisible(chromedp.ID("frozen")),
	)}
	// A second form with errors (issue 15, item 3): the supplier form's summary and its country select.
	supplierErrors := phonePage{name: "supplier form with errors", path: "/suppliers/new", ready: "#name", prepare: chromedp.Steps(
		chromedp.SendKeys(chromedp.ID("email"), "inte-en-adress"),
		chromedp.SendKeys(chromedp.ID("bankgiro"), "123"),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"].primary`)),
		chromedp.WaitVisible(chromedp.ID("error-summary")),
	)}
	// The last state: the report of a job that anonymised the first customer on the CRM screen.
	env.StartJobs(t)
	report := phonePage{name: "bulk job report", path: "/crm", ready: "#segment tbody input[name=ids]", prepare: chromedp.Steps(
		chromedp.Click(chromedp.CSS("#segment tbody input[name=ids]")),
		chromedp.Click(chromedp.ID("selected")),
		chromedp.WaitVisible(chromedp.ID("frozen")),
		chromedp.SendKeys(chromedp.ID("reason"), "Prov av tillgängligheten"),
		chromedp.Click(chromedp.ID("confirm-anonymise")),
		chromedp.WaitVisible(chromedp.ID("verified")),
	)}
	_, password := env.MustCreateUser(t, "admin@example.se", true)
	// A browser per run, so that each stays within browserTimeout; the phone run goes through every page
	// again, since tables scroll in their box there.
	for _, run := range []struct {
		lang  string
		width int
	}{{"sv", 1366}, {"en", 1366}, {"sv", 390}} {
		name := run.lang + " " + strconv.Itoa(run.width) + " px"
		t.Run(name, func(t *testing.T) {
			b := openTab(t, env)
			base := env.HTTP.URL
			b.do("sign in", chromedp.EmulateViewport(int64(run.width), 844), signIn(base, "admin@example.se", password),
				chromedp.SetValue(chromedp.ID("language"), run.lang),
				chromedp.Click(chromedp.CSS(`form[action="/language"] button`)),
				chromedp.WaitVisible(chromedp.CSS(`html[lang="`+run.lang+`"] main p.flash-ok`)))
			states := append(slices.Clip(pages), bulk, supplierErrors) // a copy per run: the phone run appends to it
			if run.width == 390 {
				states = append(states, report) // it anonymises a customer, so it comes last
			}
			for _, p := range states {
				b.visit(base, p)
				b.axe(string(axe), name+" "+p.name)
			}
		})
	}
}

// axe runs axe-core on the loaded page and reports every violation as an error of the test.
func (b tab) axe(script, page string) {
	b.t.Helper()
	found, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]axeViolation](script+`;
		axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations)`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: axe: %v", page, err)
	}
	for _, v := range found {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprint(n.Target...)) // CSS selectors; a nested list for shadow DOM
		}
		b.t.Errorf("%s: %s (%s) at %s", page, v.ID, v.Impact, strings.Join(where, "; "))
	}
}
