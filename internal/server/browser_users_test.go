package server_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil"
)

// TestBrowserInviteSetPasswordGrantView: an admin invites a colleague; the colleague chooses a password
// through the link and signs in (no customers yet); the admin grants "view customer" with the sales
// preset's box; the colleague's next page shows the customers.
func TestBrowserInviteSetPasswordGrantView(t *testing.T) {
	t.Parallel()
	env := testutil.NewEnv(t, nil)
	_, adminPW := env.MustCreateUser(t, "admin@example.se", true)
	env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Greta Kund", City: "Visby"})
	base := env.HTTP.URL

	admin := openTab(t, env)
	admin.do("admin invites a user",
		signIn(base, "admin@example.se", adminPW),
		chromedp.Click(chromedp.CSS(`nav a[href="/users"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/users/new"]`)),
		chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SendKeys(chromedp.ID("name"), "Nils Nyanställd"),
		chromedp.SendKeys(chromedp.ID("email"), "nils@example.se"),
		chromedp.Click(chromedp.CSS(`form[action="/users"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("link")),
	)
	link, err := chromedp.Run(admin.ctx, chromedp.Value(chromedp.ID("link")))
	if err != nil || !strings.HasPrefix(link, base+"/password/") {
		t.Fatalf("invitation link %q (%v)", link, err)
	}
	var nilsID int64
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT id FROM users WHERE email = 'nils@example.se'`).Scan(&nilsID); err != nil {
		t.Fatal(err)
	}

	nils := openTab(t, env)
	nils.do("the user chooses a password through the link and signs in",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("password"), "tre gröna äpplen"),
		chromedp.SendKeys(chromedp.ID("repeat"), "tre gröna äpplen"),
		chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), "nils@example.se"),
		chromedp.SendKeys(chromedp.ID("password"), "tre gröna äpplen"),
		chromedp.Click(chromedp.CSS(`form[action="/signin"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/signout"] button`)),
	)
	if got := nils.text("dashboard", "main"); !strings.Contains(got, "no permissions yet") {
		t.Fatalf("the new user's dashboard: %q", got)
	}
	nils.do("no customers yet",
		chromedp.Navigate(base+"/customers"),
		chromedp.WaitVisible(chromedp.CSS("main h1")),
	)
	if got := nils.text("customers before the grant", "main h1"); !strings.Contains(got, "Access denied") {
		t.Fatalf("before the grant: %q", got)
	}

	admin.do("the admin grants view customer",
		chromedp.Click(chromedp.CSS(`nav a[href="/users"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table`)),
	)
	admin.do("open the new user",
		chromedp.Click(chromedp.CSS(`table a[href="/users/`+strconv.FormatInt(nilsID, 10)+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[value="customer.view"]`)),
		chromedp.Click(chromedp.CSS(`input[value="customer.view"]`)),
		chromedp.Click(chromedp.CSS(`form[action$="/permissions"] button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-ok`)),
	)
	if got := admin.text("saved", ".flash-ok"); !strings.Contains(got, "Permissions saved") {
		t.Fatalf("after saving: %q", got)
	}

	nils.do("the user's next page shows the customers",
		chromedp.Navigate(base+"/"),
		chromedp.Click(chromedp.CSS(`nav a[href="/customers"]`)),
		chromedp.WaitVisible(chromedp.CSS(`main table`)),
	)
	if got := nils.text("customer list", "main table"); !strings.Contains(got, "Greta Kund") {
		t.Fatalf("customer list: %q", got)
	}
}
