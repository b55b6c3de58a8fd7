package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/export"
	"github.com/affar/affar/internal/testutil"
)

// TestBrowserExportButtonShowsBusy: an export button on the CRM screen says it is working once clicked
// (its text, aria-busy, aria-disabled), a second click meanwhile starts no second export, and the button
// comes back after the download, since the page stays where it is.
func TestBrowserExportButtonShowsBusy(t *testing.T) {
	t.Parallel()
	env := testutil.NewEnv(t, nil)
	env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Kim Kund", City: "Visby"})
	b := signedInTab(t, env, "ekonomi@example.se", authz.CustomerView, authz.CustomerExport)
	b.do("Swedish, on the CRM screen", chromedp.Navigate(env.HTTP.URL+"/"),
		chromedp.SetValue(chromedp.ID("language"), "sv"),
		chromedp.Click(chromedp.CSS(`form[action="/language"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="sv"] main p.flash-ok`)),
		chromedp.Navigate(env.HTTP.URL+"/crm"), chromedp.WaitVisible(chromedp.ID("export-csv")))
	label := b.text("label", "#export-csv")
	b.do("export", chromedp.Click(chromedp.ID("export-csv")),
		chromedp.WaitVisible(chromedp.CSS(`#export-csv[aria-busy="true"][aria-disabled="true"]`)))
	if got := b.text("busy", "#export-csv"); got != "Exporterar…" {
		t.Errorf("the busy button says %q, want Exporterar…", got)
	}
	b.do("click again while busy", chromedp.Click(chromedp.ID("export-csv")))
	b.do("back after the download", chromedp.WaitNotPresent(chromedp.CSS(`#export-csv[aria-busy]`)))
	if got := b.text("after", "#export-csv"); got != label {
		t.Errorf("after the download the button says %q, want %q", got, label)
	}
	var exports int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE action = $1`,
		export.ActionRegister).Scan(&exports); err != nil || exports != 1 {
		t.Errorf("%d exports recorded (%v), want the one: the click while busy started another", exports, err)
	}
	for _, m := range b.console.all() {
		if !consoleExpected(m) && !strings.Contains(m.Text, "download") {
			t.Errorf("browser console %s [%s] %s (at %s)", m.Type, m.Source, m.Text, m.URL)
		}
	}
}
