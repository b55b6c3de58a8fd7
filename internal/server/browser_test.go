package server_test

import (
	"context"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/affar/affar/internal/testutil/program"

	"github.com/chromedp/chromedp"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/testutil"
)

// browserTimeout bounds a whole browser test: start of Chromium, every step, and its shutdown.
//
// Every browser test but TestBrowserRulesAndImport calls t.Parallel: each has its own environment and browser, and a browser test
// spends much of its time waiting on the browser, so they run side by side (go test's -parallel, the
// number of cores) once the package's other tests are done. Under -race in CI, two at once on two cores,
// TestBrowserAxe's runs take close to a minute each: the bound leaves them room.
const browserTimeout = 90 * time.Second

// chromiumPath finds Debian's Chromium. Without one the test skips, unless REQUIRE_BROWSER=1 says that a
// missing browser is a failure (as in CI).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	program.Missing(t, "chromium binary", "chromium")
	return ""
}

// consoleLog collects what the page writes to the console, the uncaught exceptions and the browser log
// (where CSP violations and failed loads appear).
type consoleLog struct {
	mu   sync.Mutex
	msgs []chromedp.ConsoleMessage
}

func (c *consoleLog) add(m chromedp.ConsoleMessage) {
	c.mu.Lock()
	c.msgs = append(c.msgs, m)
	c.mu.Unlock()
}

func (c *consoleLog) all() []chromedp.ConsoleMessage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]chromedp.ConsoleMessage(nil), c.msgs...)
}

// newBrowser starts a headless Chromium with a fresh profile, with the flags of DESIGN §8 and nothing
// that reaches the network. It returns the tab's context and the collected console; the browser closes
// when the test ends.
func newBrowser(t *testing.T) (context.Context, *consoleLog) {
	t.Helper()
	execPath := chromiumPath(t)

	ctx, cancelTimeout := context.WithTimeout(context.Background(), browserTimeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(execPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("password-store", "basic"),
		// English interface: Accept-Language follows the browser's language.
		chromedp.Flag("lang", "en-US"),
		chromedp.Flag("accept-lang", "en-US,en"),
	)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)

	// The first Do starts the browser; subscribe to the console right after, before any page loads.
	if err := chromedp.Do(tabCtx); err != nil {
		cancelTab()
		cancelAlloc()
		cancelTimeout()
		t.Fatalf("start chromium %s: %v", execPath, err)
	}
	console := &consoleLog{}
	messages := chromedp.Console(tabCtx)
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for m, err := range messages {
			if err != nil {
				return // the tab closed
			}
			console.add(m)
		}
	}()

	// Registered after t.TempDir, so it runs first: the browser is gone before its profile is removed.
	t.Cleanup(func() {
		if err := chromedp.Cancel(tabCtx); err != nil && ctx.Err() == nil {
			t.Logf("close chromium: %v", err)
		}
		cancelTab()
		cancelAlloc() // waits for the browser process to exit
		<-collected
		cancelTimeout()
	})
	return tabCtx, console
}

// tab drives one browser tab through test steps; each failure names its step.
type tab struct {
	t       *testing.T
	ctx     context.Context
	console *consoleLog
}

// openTab starts a browser (newBrowser) for a test against env's server; if the test fails, its end
// shows the server log and the browser console.
func openTab(t *testing.T, env *testutil.Env) tab {
	t.Helper()
	ctx, console := newBrowser(t)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", env.Log.String())
			for _, m := range console.all() {
				t.Logf("console %s [%s] %s (at %s)", m.Type, m.Source, m.Text, m.URL)
			}
		}
	})
	return tab{t: t, ctx: ctx, console: console}
}

// signedInTab is openTab for a new user holding perms, signed in through the sign-in page.
func signedInTab(t *testing.T, env *testutil.Env, email string, perms ...authz.Permission) tab {
	t.Helper()
	_, password := env.MustCreateUser(t, email, false, perms...)
	b := openTab(t, env)
	b.do("sign in", signIn(env.HTTP.URL, email, password))
	return b
}

func (b tab) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", step, err)
	}
}

func (b tab) text(step, sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("%s: text of %s: %v", step, sel, err)
	}
	return strings.TrimSpace(s)
}

func (b tab) location(step string) string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("%s: location: %v", step, err)
	}
	return loc
}

// openNewForm goes through the navigation to a list, follows its "new" link and waits for the form's
// name field.
func openNewForm(list string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Click(chromedp.CSS(`nav a[href="`+list+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="`+list+`/new"]`)),
		chromedp.Click(chromedp.CSS(`a[href="`+list+`/new"]`)),
		chromedp.WaitVisible(chromedp.ID("name")),
	)
}

// signIn signs in through the sign-in page and waits for a signed-in page.
func signIn(base, email, password string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(base+"/signin"),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`form[action="/signin"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/signout"] button`)),
	)
}

// TestBrowserSignInSignOut drives a real browser through a failed sign-in, a sign-in, the dashboard and
// a sign-out, and checks that no page broke the CSP or threw.
func TestBrowserSignInSignOut(t *testing.T) {
	t.Parallel()
	env := testutil.NewEnv(t, nil)
	const email = "anna@example.se"
	_, password := env.MustCreateUser(t, email, false, authz.AuditView)

	b := openTab(t, env)
	ctx, base := b.ctx, env.HTTP.URL
	do, text, location := b.do, b.text, b.location

	// 1. A wrong password shows the generic error and keeps the e-mail address typed, never the password.
	do("open sign-in page",
		chromedp.Navigate(base+"/signin"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/signin"] button[type="submit"]`)),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), "not-the-password"),
		chromedp.Click(chromedp.CSS(`form[action="/signin"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("signin-error")),
	)
	if got := text("wrong password", "#signin-error"); got != "Wrong e-mail address or password." {
		t.Errorf("wrong password: error text %q, want the generic English message", got)
	}
	if got, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("email"))); err != nil || got != email {
		t.Errorf("wrong password: e-mail field %q (%v), want %q kept", got, err, email)
	}
	if got, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("password"))); err != nil || got != "" {
		t.Errorf("wrong password: password field %q (%v), want empty", got, err)
	}

	// 2. The right password leads to the dashboard with the user's name and a sign-out button.
	do("sign in",
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`form[action="/signin"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/signout"] button`)),
	)
	if loc := location("sign in"); loc != base+"/" {
		t.Errorf("after sign-in at %q, want %q", loc, base+"/")
	}
	if got := text("dashboard", "main h1"); got != "Dashboard" {
		t.Errorf("dashboard heading %q, want %q", got, "Dashboard")
	}
	if got := text("dashboard", "header .who strong"); got != "User "+email {
		t.Errorf("header shows user %q, want %q", got, "User "+email)
	}
	// htmx loaded from /static under the CSP: a blocked script would leave it undefined.
	if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof htmx === "object"`)); err != nil || !ok {
		t.Errorf("htmx not loaded on the dashboard (%v)", err)
	}

	// 3. Signing out lands on the sign-in page with the signed-out notice.
	do("sign out",
		chromedp.Click(chromedp.CSS(`form[action="/signout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/signin"] button[type="submit"]`)),
	)
	if loc := location("sign out"); loc != base+"/signin?signed_out=1" {
		t.Errorf("after sign-out at %q, want %q", loc, base+"/signin?signed_out=1")
	}
	if got := text("sign out", `main p[role="status"]`); got != "You have signed out." {
		t.Errorf("signed-out notice %q, want %q", got, "You have signed out.")
	}

	// 4. The session is gone: the dashboard sends the browser back to the sign-in page.
	do("dashboard after sign-out",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/signin"] button[type="submit"]`)),
	)
	if loc := location("dashboard after sign-out"); loc != base+"/signin" {
		t.Errorf("dashboard after sign-out at %q, want %q", loc, base+"/signin")
	}

	// A round trip to the page after the last load, so the console events before it have arrived.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`true`)); err != nil {
		t.Fatal(err)
	}
	for _, m := range b.console.all() {
		if !consoleExpected(m) {
			t.Errorf("browser console %s [%s] %s (at %s)", m.Type, m.Source, m.Text, m.URL)
		}
	}
}

// consoleExpected tells the console messages a healthy run produces from errors: exceptions, CSP
// violations and failed loads are errors, except the 401 status of the failed sign-in itself.
func consoleExpected(m chromedp.ConsoleMessage) bool {
	if strings.Contains(m.Text, "Content Security Policy") || m.IsException() {
		return false
	}
	if m.Type != chromedp.ConsoleError && m.Type != chromedp.ConsoleWarning {
		return true
	}
	if m.Source != "network" {
		return false
	}
	return strings.Contains(m.Text, "status of 401") && strings.HasSuffix(m.URL, "/signin")
}
