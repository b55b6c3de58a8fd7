package server_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/testutil"
)

// TestBrowserRulesAndImport drives issue 18's screens in Chromium. Unlike the other browser tests it does
// not call t.Parallel: it runs before them, alone, so that it does not slow TestBrowserAxe's and
// TestBrowserPhoneWidth's runs past browserTimeout on two cores (measured in CI).
func TestBrowserRulesAndImport(t *testing.T) {
	axe, err := os.ReadFile("testdata/axe/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("retention rule", func(t *testing.T) { browserRetentionRule(t, string(axe)) })
	t.Run("import", func(t *testing.T) { browserImport(t, string(axe)) })
}

// browserRetentionRule: the data protection officer opens the customer rule from the menu, sees the
// customer its next run would erase, is asked to type a short period again (with the period typed still
// there), confirms it, runs the rule by hand and sees the run. The page passes axe and fits a phone.
func browserRetentionRule(t *testing.T, axe string) {
	env := testutil.NewEnv(t, nil)
	now := env.Clock.Now()
	env.Clock.Set(now.AddDate(-4, 0, 0))
	env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Gunnel Gammalkund"})
	env.Clock.Set(now)
	b := signedInTab(t, env, "dpo@example.se", authz.PrivacyManage)
	base := env.HTTP.URL

	b.do("open the rules", chromedp.EmulateViewport(1366, 844), chromedp.Navigate(base+"/"),
		chromedp.Click(chromedp.CSS(`nav a[href="/privacy/rules"]`)), chromedp.WaitVisible(chromedp.CSS("#rules")))
	b.axe(axe, "rules 1366 px")
	b.do("open the customer rule", chromedp.Click(chromedp.CSS(`#rules tbody tr:first-child a`)), chromedp.WaitVisible(chromedp.ID("due")))
	if due := b.text("preview", "#due"); !strings.Contains(due, "Gunnel Gammalkund") {
		t.Fatalf("the preview does not list the due customer: %q", due)
	}
	b.do("a short period", chromedp.SetValue(chromedp.ID("months"), "6"),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"].primary`)), chromedp.WaitVisible(chromedp.ID("confirm-error")))
	if v, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.ID("months"))); err != nil || v != "6" {
		t.Errorf("the period typed is gone: %q, %v", v, err)
	}
	b.axe(axe, "rule with errors 1366 px")
	b.do("phone", chromedp.EmulateViewport(390, 844))
	if scroll, inner := b.widths("rule at 390 px"); scroll > inner {
		t.Errorf("the rule's page is %d px wide on a %d px screen", scroll, inner)
	}
	b.axe(axe, "rule with errors 390 px")
	b.shot("sv-390-retention-rule-with-errors")
	b.do("confirm and run", chromedp.EmulateViewport(1366, 844), chromedp.SendKeys(chromedp.ID("confirm"), "6"),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"].primary`)), chromedp.WaitVisible(chromedp.CSS("main p.flash-ok")),
		chromedp.Click(chromedp.CSS(`form[action$="/run"] button`)), chromedp.WaitVisible(chromedp.ID("rule-runs")))
	if runs := b.text("runs", "#rule-runs"); !strings.Contains(runs, "The bulk job is started. (by hand)") {
		t.Errorf("the run is not listed: %q", runs)
	}
	var n int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM retention_runs WHERE outcome = 'started' AND found = 1`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d runs recorded (%v), want one that found the customer", n, err)
	}
}

// browserImport: a clerk uploads a file through the file field, the preview shows the bad row and the
// held-back erased person with its box, passes axe at 1366 and 390 px and fits a phone; confirming starts
// the import.
func browserImport(t *testing.T, axe string) {
	env := testutil.NewEnv(t, nil)
	ctx := authz.WithActor(context.Background(), authz.System())
	gone := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Gone Raderad", Email: "gone@example.se"})
	if _, err := env.Services.GDPR.Anonymise(ctx, gone.ID, gdpr.Input{Confirm: strconv.FormatInt(gone.Number, 10), Reason: "Begäran"}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "kunder.csv")
	if err := os.WriteFile(file, []byte("Namn;E-post;Ort\nAnna Ny;anna@example.se;Lund\nBo Fel;bo@;Lund\nGone Raderad;gone@example.se;Lund\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b := signedInTab(t, env, "clerk@example.se", authz.CustomerCreate, authz.CustomerView)
	base := env.HTTP.URL
	b.do("the import form", chromedp.EmulateViewport(1366, 844), chromedp.Navigate(base+"/customers"),
		chromedp.Click(chromedp.CSS(`a[href="/customers/import"]`)), chromedp.WaitVisible(chromedp.ID("file")))
	b.axe(axe, "import form 1366 px")
	b.do("upload", chromedp.SetUploadFiles(chromedp.ID("file"), []string{file}),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"].primary`)), chromedp.WaitVisible(chromedp.ID("import-held")))
	if held := b.text("held", "#import-held"); !strings.Contains(held, "Gone Raderad") {
		t.Errorf("the held row is not shown: %q", held)
	}
	if bad := b.text("problems", "#import-problems"); !strings.Contains(bad, "Bo Fel") {
		t.Errorf("the bad row is not shown: %q", bad)
	}
	b.axe(axe, "import preview 1366 px")
	b.shot("sv-1366-import-preview")
	b.do("phone", chromedp.EmulateViewport(390, 844))
	if scroll, inner := b.widths("preview at 390 px"); scroll > inner {
		t.Errorf("the preview is %d px wide on a %d px screen", scroll, inner)
	}
	b.axe(axe, "import preview 390 px")
	b.shot("sv-390-import-preview")
	b.do("confirm", chromedp.Click(chromedp.ID("confirm-import")), chromedp.WaitVisible(chromedp.ID("import-running")))
}
