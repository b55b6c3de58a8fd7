package server_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil"
)

// downloadsTo makes the tab save downloads into dir.
func downloadsTo(dir string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir})
		return err
	})
}

// downloaded waits (polling, up to a deadline) for the one finished file in dir and returns its content.
func downloaded(t *testing.T, dir string) (string, string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
		if len(files) == 1 {
			b, err := os.ReadFile(files[0])
			if err != nil {
				t.Fatal(err)
			}
			return filepath.Base(files[0]), string(b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no download in %s", dir)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBrowserAuditLogWhoViewed: a data protection officer answers "who viewed customer N between two dates"
// through the audit log's filters in a real browser, and downloads the answer as CSV.
func TestBrowserAuditLogWhoViewed(t *testing.T) {
	t.Parallel()
	env := testutil.NewEnv(t, nil)
	env.Clock.Set(time.Date(2026, 11, 23, 9, 0, 0, 0, domain.Stockholm))
	watched := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Vilma Visad"})
	env.SignedInClient(t, "anna@example.se", false, authz.CustomerView).Get(customerPath(watched))
	env.Clock.Advance(72 * time.Hour)
	env.SignedInClient(t, "bo@example.se", false, authz.CustomerView).Get(customerPath(watched))

	b := signedInTab(t, env, "dpo@example.se", authz.AuditView, authz.CustomerView)
	dir := t.TempDir()
	b.do("the filtered log, in Swedish", downloadsTo(dir), switchLanguage(env.HTTP.URL, "sv"), chromedp.Navigate(env.HTTP.URL+"/audit"),
		chromedp.SendKeys(chromedp.ID("customer"), strconv.FormatInt(watched.Number, 10)),
		chromedp.SetValue(chromedp.ID("group"), "views"),
		chromedp.SetValue(chromedp.ID("from"), "2026-11-23"),
		chromedp.SetValue(chromedp.ID("to"), "2026-11-24"),
		chromedp.Click(chromedp.CSS(`form[action="/audit"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href^="/audit.csv?"]`)))
	table := b.text("rows", "main table tbody")
	if !strings.Contains(table, "User anna@example.se") || strings.Contains(table, "User bo@example.se") ||
		!strings.Contains(table, "Kund "+strconv.FormatInt(watched.Number, 10)) {
		t.Fatalf("the log shows %q; want anna's view of customer %d only", table, watched.Number)
	}
	b.do("download", chromedp.Click(chromedp.CSS(`a[href^="/audit.csv?"]`)))
	name, csv := downloaded(t, dir)
	if !strings.HasSuffix(name, "granskningslogg.csv") || !strings.HasPrefix(csv, "\uFEFF") ||
		!strings.Contains(csv, "User anna@example.se") || strings.Contains(csv, "User bo@example.se") {
		t.Fatalf("download %s: %q", name, csv)
	}
}
