package server_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil"
)

// waitValue waits until the JavaScript expression js (a string; trimmed, no-break spaces read as spaces) is
// want, and fails the test with what it was if it does not become so within a few seconds.
func (b tab) waitValue(step, what, js, want string) {
	b.t.Helper()
	var got string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
		if err != nil {
			b.t.Fatalf("%s: %v", step, err)
		}
		if got = strings.ReplaceAll(strings.TrimSpace(s), "\u00a0", " "); got == want {
			return
		}
	}
	b.t.Fatalf("%s: %s %q, want %q", step, what, got, want)
}

// waitText waits until the text of sel is want.
func (b tab) waitText(step, sel, want string) {
	b.t.Helper()
	b.waitValue(step, sel+" reads", `(document.querySelector(`+"`"+sel+"`"+`)||{}).innerText||""`, want)
}

// waitFocus waits until the element with id has the focus.
func (b tab) waitFocus(step, id string) {
	b.t.Helper()
	b.waitValue(step, "the focus is on", `document.activeElement ? document.activeElement.id : ""`, id)
}

// newQuoteWithARow opens the new quote form of a new customer for a seller and types one row: 3 at 100,00.
func newQuoteWithARow(t *testing.T) (*testutil.Env, tab) {
	env := testutil.NewEnv(t, nil)
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Ek Bygg AB"})
	b := signedInTab(t, env, "seller@example.se", authz.CustomerView, authz.CustomerEdit)
	b.do("new quote",
		chromedp.Navigate(env.HTTP.URL+customerPath(cust)+"/quotes/new"),
		chromedp.WaitVisible(chromedp.ID("line_0_description")),
		chromedp.SendKeys(chromedp.ID("line_0_description"), "Konsulttimme"),
		chromedp.SendKeys(chromedp.ID("line_0_quantity"), "3"),
		chromedp.SendKeys(chromedp.ID("line_0_unit_price"), "100,00"),
	)
	return env, b
}

// script runs the JavaScript js (which ends in true) in the page.
func (b tab) script(step, js string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js)); err != nil {
		b.t.Fatalf("%s: %v", step, err)
	}
}

// quoteRows is the number of rows on the quote form.
func (b tab) quoteRows() int {
	b.t.Helper()
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll(".quote-lines tbody tr").length`))
	if err != nil {
		b.t.Fatalf("quote rows: %v", err)
	}
	return n
}

// TestBrowserQuoteLineEditor: on the new quote form, typing a quantity and a price shows the row's amount
// and the totals computed by the server, without saving; "Lägg till rad" adds a row with the cursor in it
// and "Ta bort" removes one, without leaving the page or losing what was typed.
func TestBrowserQuoteLineEditor(t *testing.T) {
	t.Parallel()
	env, b := newQuoteWithARow(t)
	b.waitText("row amount", "#line_0_net", "300,00 kr")
	b.waitText("total", "#quote-form-total", "375,00 kr")
	b.do("a bad price", chromedp.SendKeys(chromedp.ID("line_1_unit_price"), "abc"), chromedp.SendKeys(chromedp.ID("line_1_quantity"), "2"))
	b.waitText("bad row", "#line_1_net", "")
	b.waitText("total unchanged", "#quote-form-total", "375,00 kr")

	before := b.quoteRows()
	added := "line_" + strconv.Itoa(before) + "_description"
	b.do("add a row", chromedp.Click(chromedp.ID("add-line")), chromedp.WaitVisible(chromedp.ID(added)))
	// htmx moves the focus into the new row as it settles, which scrolls the rows' box back to its start;
	// a click aimed before that lands beside its button.
	b.waitFocus("the new row", added)
	if n := b.quoteRows(); n != before+1 {
		t.Errorf("after Lägg till rad %d rows, want %d", n, before+1)
	}
	if loc := b.location("after adding"); !strings.HasSuffix(loc, "/quotes/new") {
		t.Errorf("adding a row left the page for %s", loc)
	}
	got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.getElementById("line_0_description").value`))
	if err != nil || got != "Konsulttimme" {
		t.Errorf("after adding a row the first row reads %q (%v)", got, err)
	}
	b.do("remove the first row", chromedp.Click(chromedp.CSS(`button[value="remove_0"]`)))
	b.waitText("total after removing", "#quote-form-total", "0,00 kr")
	if n := b.quoteRows(); n != before {
		t.Errorf("after Ta bort %d rows, want %d", n, before)
	}
	got, err = chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.getElementById("line_0_unit_price").value`))
	if err != nil || got != "abc" {
		t.Errorf("after removing the first row the second is first and reads %q (%v)", got, err)
	}
	if q, _ := quoteCount(t, env); q != 0 {
		t.Errorf("the line editor saved %d quotes", q)
	}
}

// watchRequests wraps the page's XMLHttpRequest: while window.hold names a path (/quotes/preview, the
// sums, or /quotes/lines, the rows), requests to it stay unsent until releaseHeld, as a slow connection
// would keep them in flight. It counts the answered sums requests in window.previewsDone and the row
// requests sent in window.linesSent.
const watchRequests = `(() => {
	window.held = []; window.hold = ""; window.previewsDone = 0; window.linesSent = 0;
	const open = XMLHttpRequest.prototype.open, send = XMLHttpRequest.prototype.send;
	XMLHttpRequest.prototype.open = function (method, url) { this.watchedURL = String(url); return open.apply(this, arguments); };
	XMLHttpRequest.prototype.send = function (body) {
		if (window.hold && this.watchedURL.endsWith(window.hold)) { window.held.push(() => this.send(body)); return; }
		if (this.watchedURL.endsWith("/quotes/lines")) window.linesSent++;
		return send.call(this, body);
	};
	document.body.addEventListener("htmx:afterRequest", (e) => {
		if (e.detail.pathInfo && e.detail.pathInfo.requestPath.endsWith("/quotes/preview")) window.previewsDone++;
	});
	return true;
})()`

const releaseHeld = `(() => { window.hold = ""; window.held.splice(0).forEach((send) => send()); return true; })()`

// TestBrowserQuoteRowRemovedWhileSumsInFlight: when "Ta bort" is pressed while the sums of what was just
// typed are still on their way, the removal waits for them, so sums that arrive late cannot land on the
// renumbered rows: the row that moved up keeps its own amount (none, its price is "abc"), not the
// removed row's.
func TestBrowserQuoteRowRemovedWhileSumsInFlight(t *testing.T) {
	t.Parallel()
	_, b := newQuoteWithARow(t)
	b.waitText("total", "#quote-form-total", "375,00 kr")
	b.script("watch the requests", watchRequests)
	b.do("a second row", chromedp.SendKeys(chromedp.ID("line_1_unit_price"), "abc"))
	b.waitValue("its sums answered", "sums answered:", `String(window.previewsDone)`, "1")

	b.script("hold the sums", `window.hold = "/quotes/preview", true`)
	b.do("type in the second row, the sums held", chromedp.SendKeys(chromedp.ID("line_1_quantity"), "2"))
	b.waitValue("sums asked for", "requests held:", `String(window.held.length)`, "1")
	b.do("remove the first row", chromedp.Click(chromedp.CSS(`button[value="remove_0"]`)))
	if sent, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`window.linesSent`)); err != nil || sent != 0 {
		t.Errorf("Ta bort sent %d requests while the sums were on their way (%v), want it to wait for them", sent, err)
	}
	b.script("release the held requests", releaseHeld)
	b.waitValue("the late sums answered", "sums answered:", `String(window.previewsDone)`, "2")
	b.waitText("total after removing", "#quote-form-total", "0,00 kr")
	b.waitValue("the row that moved up", "its price is", `document.getElementById("line_0_unit_price").value`, "abc")
	b.waitText("its amount", "#line_0_net", "")
}

// TestBrowserQuoteRowsWaitWhileRedrawn: while "Lägg till rad" is on its way, the rows cannot be typed in
// (the answer will redraw them, and what was typed meanwhile would vanish) and the form cannot be saved
// (it would go without its rows); once it is answered they are back as they were, with the new row.
func TestBrowserQuoteRowsWaitWhileRedrawn(t *testing.T) {
	t.Parallel()
	_, b := newQuoteWithARow(t)
	b.waitText("total", "#quote-form-total", "375,00 kr")
	b.script("hold the rows", watchRequests+`, window.hold = "/quotes/lines", true`)
	rows := b.quoteRows()
	b.do("add a row", chromedp.Click(chromedp.ID("add-line")))
	b.waitValue("the rows asked for", "requests held:", `String(window.held.length)`, "1")
	open, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](
		`Array.from(document.querySelectorAll("#quote-lines-box input, #quote-lines-box select, .quote-form button")).filter((e) => !e.disabled).length`))
	if err != nil || open != 0 {
		t.Errorf("%d rows' fields and form buttons (Spara among them) can be used while the rows are on their way (%v), want none", open, err)
	}
	b.script("release the held requests", releaseHeld)
	added := "line_" + strconv.Itoa(rows) + "_description"
	b.do("the rows answered", chromedp.WaitVisible(chromedp.ID(added)))
	b.waitFocus("the new row", added)
	for id, want := range map[string]string{"line_0_description": "Konsulttimme", "line_0_quantity": "3", "line_0_unit_price": "100,00"} {
		b.waitValue("the first row", id+" is", `document.getElementById("`+id+`").value`, want)
	}
	b.waitValue("the rows", "fields and buttons disabled:", `String(document.querySelectorAll(".quote-form [disabled]").length)`, "0")
}
