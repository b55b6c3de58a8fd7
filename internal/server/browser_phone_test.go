package server_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/request"
	"github.com/affar/affar/internal/seed"
	"github.com/affar/affar/internal/testutil"
)

// phonePage is one main page of the phone test: where it is, and what shows it has loaded.
type phonePage struct {
	name, path, ready string
	prepare           chromedp.Action[chromedp.Void] // after loading, e.g. a failed submit; nil for none
	whole             string                         // an element that must show without scrolling its box; "" for none
}

// phonePages fills env with demo data (the generator's customers, a customer with everything a customer
// page shows, a supplier with contacts, an erasure) and lists the main pages an admin sees.
func phonePages(t *testing.T, env *testutil.Env) []phonePage {
	t.Helper()
	ctx := authz.WithActor(context.Background(), authz.System())
	if err := seed.Run(ctx, env.Owner(t), seed.Generator{Seed: 2026, Now: time.Now()}, 60); err != nil {
		t.Fatal(err)
	}
	rich := env.MustCreateRichCustomer(t, "Norrlands Byggnadsentreprenad och Fastighetsförvaltning AB", 24*time.Hour)
	quote := env.MustCreateQuote(t, rich.ID)
	sup := env.MustCreateSupplier(t, domain.SupplierInput{Name: "Sågverket i Norr Aktiebolag", OrgNumber: "556036-0793",
		Email: "fakturor.leverantorsreskontra@sagverketinorr.example", Bankgiro: "5050-1055"})
	env.MustAddSupplierContact(t, sup.ID, "Kim Kontaktperson")
	gone := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Borta Bortasson"})
	if _, err := env.Services.GDPR.Anonymise(ctx, gone.ID, gdpr.Input{Confirm: strconv.FormatInt(gone.Number, 10), Reason: "Begäran"}); err != nil {
		t.Fatal(err)
	}
	q := "/quotes/" + strconv.FormatInt(int64(quote.ID), 10)
	req, err := env.Services.Requests.Register(ctx, request.Input{Kinds: []string{"access", "rectification", "erasure", "portability"},
		Received: time.Now().In(domain.Stockholm).Format(domain.DateLayout), Channel: "letter",
		Name: "Maximiliana Långnamnsdotter-Efternamnsson", Address: "Kyrkogårdsvägen 1234 B, lägenhet 1102\n123 45 Överkalix",
		Email: "maximiliana.langnamnsdotter-efternamnsson@exempelforetaget.example"})
	if err != nil {
		t.Fatal(err)
	}
	return []phonePage{
		{name: "dashboard", path: "/", ready: "main h1"},
		{name: "customer list", path: "/customers", ready: "main table"},
		{name: "customer page", path: customerPath(rich), ready: "#access-log"},
		{name: "customer form with errors", path: "/customers/new", ready: "#name", prepare: chromedp.Steps(
			chromedp.SendKeys(chromedp.ID("id_number"), "811218-9875"),
			chromedp.SendKeys(chromedp.ID("email"), "inte-en-adress"),
			chromedp.Click(chromedp.CSS(`main form button[type="submit"].primary`)),
			chromedp.WaitVisible(chromedp.ID("id_number-error")),
		)},
		{name: "CRM screen", path: "/crm", ready: "main table"},
		{name: "quote page", path: q, ready: "#quote-total", whole: "#quote-total"},
		{name: "quote edit form", path: q + "/edit", ready: "#line_0_description"},
		{name: "new quote form with a row added", path: customerPath(rich) + "/quotes/new", ready: "#line_0_description", prepare: chromedp.Steps(
			chromedp.SendKeys(chromedp.ID("line_0_description"), "Takarbete med byggnadsställning och borttransport av gammalt material"),
			chromedp.SendKeys(chromedp.ID("line_0_quantity"), "12,5"),
			chromedp.SendKeys(chromedp.ID("line_0_unit_price"), "1249,50"),
			chromedp.WaitVisible(chromedp.CSS(`#line_0_net:not(:empty)`)),
			chromedp.Click(chromedp.ID("add-line")),
			chromedp.WaitVisible(chromedp.ID("line_3_description")),
		), whole: "#quote-form-total"},
		{name: "quote list", path: "/quotes", ready: "main table"},
		{name: "quote list with a date error", path: "/quotes?from=2026-13-01", ready: "#from-error"},
		{name: "quote e-mail form", path: q + "/email", ready: "#to"},
		{name: "quote e-mail form with errors", path: q + "/email", ready: "#to", prepare: chromedp.Steps(
			chromedp.SetValue(chromedp.ID("to"), "inkop@"),
			chromedp.Click(chromedp.CSS(`main form button[type="submit"].primary`)),
			chromedp.WaitVisible(chromedp.ID("to-error")),
		)},
		{name: "mark as sent confirmation", path: q + "/send", ready: "main form"},
		{name: "supplier list", path: "/suppliers", ready: "main table"},
		{name: "supplier page", path: testutil.SupplierPath(sup), ready: "main h1"},
		{name: "users list", path: "/users", ready: "main table"},
		{name: "audit log", path: "/audit", ready: "main table"},
		{name: "erasure register", path: "/erasures", ready: "main table"},
		{name: "settings", path: "/settings", ready: "main form"},
		{name: "company details with errors", path: "/settings", ready: "#company_vat_number", prepare: chromedp.Steps(
			chromedp.SetValue(chromedp.ID("company_vat_number"), "SE1"),
			chromedp.Click(chromedp.CSS(`#company button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.ID("company_vat_number-error")),
		)},
		{name: "privacy page", path: "/privacy", ready: "main form"},
		{name: "customer access log", path: customerPath(rich) + "/access", ready: "main table"},
		{name: "objection confirmation", path: customerPath(rich) + "/objection", ready: "main form"},
		{name: "objection with errors", path: customerPath(rich) + "/objection", ready: "#objected_on", prepare: chromedp.Steps(
			chromedp.SetValue(chromedp.ID("objected_on"), ""),
			chromedp.Click(chromedp.CSS(`main form button[type="submit"].primary`)),
			chromedp.WaitVisible(chromedp.ID("objection_channel-error")),
		)},
		{name: "audit log filtered, with an error", path: "/audit?group=views&customer=tio", ready: "#customer-error"},
		{name: "record of processing", path: "/privacy/records", ready: "main h1"},
		{name: "processing agreement", path: "/agreement", ready: "main h1"},
		{name: "request register", path: "/requests", ready: "main table"},
		{name: "request page", path: "/requests/" + strconv.FormatInt(req.ID, 10), ready: "#request-clock"},
		{name: "answer letter", path: "/requests/" + strconv.FormatInt(req.ID, 10) + "/letter", ready: "#letter"},
		{name: "anonymise on a request", path: customerPath(rich) + "/anonymise?request=" + req.Number(), ready: "#confirm"},
		{name: "new request form with errors", path: "/requests/new", ready: "#requester_name", prepare: chromedp.Steps(
			chromedp.SendKeys(chromedp.ID("requester_email"), "inte-en-adress"),
			chromedp.Click(chromedp.CSS(`main form button[type="submit"].primary`)),
			chromedp.WaitVisible(chromedp.ID("requester_email-error")),
		)},
	}
}

// TestBrowserPhoneWidth: on a 390 × 844 phone no main page is wider than the screen (in either
// language), a quote's total is not cut off, and the menu opens from its button; at 1366 px the menu
// shows without a click, each link on one line. With AFFAR_SCREENSHOTS=dir it saves a PNG of every page at both widths there.
func TestBrowserPhoneWidth(t *testing.T) {
	t.Parallel()
	env := testutil.NewEnv(t, nil)
	pages := phonePages(t, env)
	_, password := env.MustCreateUser(t, "admin@example.se", true)
	b := openTab(t, env)
	base := env.HTTP.URL
	b.do("sign in", signIn(base, "admin@example.se", password))
	menuLink := `header nav a[href="/customers"]`

	b.do("phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if b.visible(menuLink) {
		t.Errorf("at 390 px the menu is open before its button is pressed")
	}
	b.do("open the menu", chromedp.Click(chromedp.CSS("header details.menu summary")), chromedp.WaitVisible(chromedp.CSS(menuLink)))
	b.shot("en-390-menu-open")
	for _, lang := range []string{"en", "sv"} {
		b.do("language "+lang, switchLanguage(base, lang))
		for _, p := range pages {
			b.visit(base, p)
			b.shot(lang + "-390-" + p.name)
			if scroll, inner := b.widths(p.name); scroll > inner {
				t.Errorf("%s (%s, %s): %d px wide on a %d px screen; sticking out: %v", p.name, lang, p.path, scroll, inner, b.sticking())
			}
			if p.whole != "" && !b.unclipped(p.whole) {
				t.Errorf("%s (%s): %s is cut off by its table's box", p.name, lang, p.whole)
			}
		}
	}

	b.do("desktop", chromedp.EmulateViewport(1366, 768), chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if !b.visible(menuLink) {
		t.Errorf("at 1366 px the menu is hidden")
	}
	broken, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("header nav a")]
		.filter(a => a.getClientRects().length > 1).map(a => a.textContent.trim())`))
	if err != nil {
		t.Fatalf("menu lines: %v", err)
	}
	if len(broken) > 0 {
		t.Errorf("at 1366 px these menu links break over lines: %q", broken)
	}
	if os.Getenv("AFFAR_SCREENSHOTS") != "" {
		for _, p := range pages {
			b.visit(base, p)
			b.shot("sv-1366-" + p.name)
		}
	}
}

// visit loads a page of base and does its preparation.
func (b tab) visit(base string, p phonePage) {
	b.t.Helper()
	b.do(p.name, chromedp.Navigate(base+p.path), chromedp.WaitVisible(chromedp.CSS(p.ready)))
	if p.prepare != nil {
		b.do(p.name, p.prepare)
	}
}

// widths are the page's width and the window's.
func (b tab) widths(step string) (scroll, inner int) {
	b.t.Helper()
	w, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`))
	if err != nil || len(w) != 2 {
		b.t.Fatalf("%s: widths %v (%v)", step, w, err)
	}
	return w[0], w[1]
}

// sticking lists the elements that reach past the window's right edge, the first few, to say what to fix.
func (b tab) sticking() []string {
	w, _ := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("body *")]
		.filter(e => e.getBoundingClientRect().right > innerWidth)
		.map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + e.className : ""))
		.slice(0, 8)`))
	return w
}

// unclipped reports whether the element sel finds lies within its table's box and the window.
func (b tab) unclipped(sel string) bool {
	b.t.Helper()
	ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`(() => {
		const e = document.querySelector(`+strconv.Quote(sel)+`), box = e.closest(".table-wrap") ?? document.body;
		return e.getBoundingClientRect().right <= Math.min(box.getBoundingClientRect().right, innerWidth);
	})()`))
	if err != nil {
		b.t.Fatalf("position of %s: %v", sel, err)
	}
	return ok
}

// visible reports whether the element sel finds is rendered (not inside a closed <details>).
func (b tab) visible(sel string) bool {
	b.t.Helper()
	ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`!!document.querySelector(`+strconv.Quote(sel)+`)?.checkVisibility()`))
	if err != nil {
		b.t.Fatalf("visibility of %s: %v", sel, err)
	}
	return ok
}

// shot saves a screenshot of the whole page under $AFFAR_SCREENSHOTS, if that is set, for a person to look at.
func (b tab) shot(name string) {
	b.t.Helper()
	dir := os.Getenv("AFFAR_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}
