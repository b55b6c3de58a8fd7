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

// TestBrowserErasureRequest answers an erasure request in a real browser: register it, link the customer
// by number, anonymise from the request (no reason needed), produce and send the answer letter, and see
// the request and the erasure register link to each other.
func TestBrowserErasureRequest(t *testing.T) {
	t.Parallel()
	env := testutil.NewEnv(t, nil)
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Greta Gran"})
	number := strconv.FormatInt(cust.Number, 10)
	b := signedInTab(t, env, "dpo@example.se", authz.PrivacyManage, authz.CustomerView, authz.CustomerAnonymise, authz.AuditView)

	b.do("register the request",
		chromedp.Navigate(env.HTTP.URL+"/requests/new"),
		chromedp.WaitVisible(chromedp.ID("requester_name")),
		chromedp.Click(chromedp.CSS(`input[name="kinds"][value="erasure"]`)),
		chromedp.SetValue(chromedp.ID("channel"), "letter"),
		chromedp.SendKeys(chromedp.ID("requester_name"), "Greta Gran"),
		chromedp.SendKeys(chromedp.ID("requester_address"), "Storgatan 1\n123 45 Umeå"),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"].primary`)),
		chromedp.WaitVisible(chromedp.ID("request-clock")),
	)
	request := b.location("request page")
	b.do("link the customer by number",
		chromedp.SendKeys(chromedp.ID("customer_number"), number),
		chromedp.Click(chromedp.CSS(`form[action$="/customers"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href*="/anonymise?request="]`)),
	)
	b.do("anonymise from the request",
		chromedp.Click(chromedp.CSS(`a[href*="/anonymise?request="]`)),
		chromedp.WaitVisible(chromedp.ID("confirm")),
		chromedp.SendKeys(chromedp.ID("confirm"), number),
		chromedp.Click(chromedp.CSS(`button.danger`)),
		chromedp.WaitVisible(chromedp.CSS(`#actions a[href^="/erasures#erasure-"]`)),
	)
	if loc := b.location("back on the request"); !strings.HasPrefix(loc, request) {
		t.Errorf("after the erasure the browser is at %s, not the request %s", loc, request)
	}
	b.do("write the answer",
		chromedp.Click(chromedp.CSS(`#answer a[href$="/letter"]`)),
		chromedp.WaitVisible(chromedp.ID("letter")),
	)
	if got := b.text("the letter", "#letter"); !strings.Contains(got, "Integritetsskyddsmyndigheten") || !strings.Contains(got, "Greta Gran") {
		t.Errorf("the letter: %q", got)
	}
	b.do("send it, printed",
		chromedp.SetValue(chromedp.ID("method"), domain.LetterPrinted),
		chromedp.Click(chromedp.CSS(`#send button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`#answer a[href*="/letters/"]`)),
	)
	if got := b.text("request answered", "#request-clock"); !strings.Contains(got, "Answered") && !strings.Contains(got, "Besvarad") {
		t.Errorf("the request after the answer: %q", got)
	}
	b.do("to the erasure register",
		chromedp.Click(chromedp.CSS(`#actions a[href^="/erasures#erasure-"]`)),
		chromedp.WaitVisible(chromedp.CSS(`main table`)),
	)
	b.do("and back to the request",
		chromedp.Click(chromedp.CSS(`main table a[href^="/requests/"]`)),
		chromedp.WaitVisible(chromedp.ID("request-clock")),
	)
	if loc := b.location("the request again"); !strings.HasPrefix(loc, request) {
		t.Errorf("the register's link went to %s, not %s", loc, request)
	}
}
