package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil"
)

// TestFailedFormsOpenWithASummary posts a bad form to every form that shows field errors: the page comes
// back (422) opening with "Formuläret har N fel", a link to each faulty field that is tied to its message,
// and the summary takes the focus.
func TestFailedFormsOpenWithASummary(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Ek AB"})
	c := env.SignedInClient(t, "admin@example.se", true)
	cp := customerPath(cust)
	qp := "/quotes/" + strconv.FormatInt(int64(env.MustCreateQuote(t, cust.ID).ID), 10)
	for _, tc := range []struct {
		name, path string
		form       url.Values
		fields     []string // the faulty fields, in the form's order
	}{
		{"new customer", "/customers", url.Values{"kind": {"person"}, "name": {""}, "email": {"eva@"},
			"postal_code": {"1234"}, "country": {"Sverige"}}, []string{"name", "email", "postal_code", "country"}},
		{"new supplier", "/suppliers", url.Values{"name": {""}, "bankgiro": {"123"}, "postal_code": {"12"}}, []string{"name", "postal_code", "bankgiro"}},
		{"contact person", cp + "/contacts", url.Values{"contact_name": {""}, "contact_email": {"x@"}}, []string{"contact_name", "contact_email"}},
		{"credit report", cp + "/credit-reports", url.Values{"bureau": {""}, "taken_on": {"2026-13-40"}, "rating": {"A"}, "limit": {"25 000"}},
			[]string{"bureau", "credit_need", "credit_reference", "taken_on"}},
		{"consent", cp + "/consent", url.Values{"given": {"true"}, "consent_source": {""}}, []string{"consent_source"}},
		{"new quote", cp + "/quotes", url.Values{"quote_date": {"1 december"}, "valid_until": {"2026-12-31"},
			"description": {"Arbete"}, "quantity": {"två"}, "unit_price": {"100"}, "vat_rate": {"25"}}, []string{"quote_date", "line_0_quantity"}},
		{"erasure", cp + "/anonymise", url.Values{"reason": {""}, "confirm": {"1"}}, []string{"reason", "confirm"}},
		{"user invitation", "/users", url.Values{"name": {""}, "email": {"nobody"}}, []string{"name", "email"}},
		{"password", "/profile/password", url.Values{"current": {"x"}, "password": {"kort"}, "repeat": {"kort"}}, []string{"password"}},
		{"settings", "/settings", url.Values{"retention_years": {"sju"}, "fiscal_year_end": {"13"}}, []string{"retention_years", "fiscal_year_end"}},
		{"company details", "/settings/company", url.Values{"company_name": {""}, "company_email": {"x@"}, "document_language": {"sv"}},
			[]string{"company_name", "company_email"}},
		{"quote e-mail", qp + "/email", url.Values{"to": {"nobody"}, "message": {"Hej"}}, []string{"to"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.PostForm(tc.path, tc.form)
			if r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", r.Status)
			}
			body := html.UnescapeString(r.Body)
			summary := body[max(strings.Index(body, `id="error-summary"`), 0):]
			if !strings.Contains(body, `<div class="error-summary" id="error-summary" tabindex="-1" autofocus`) ||
				strings.Count(body, `id="error-summary"`) != 1 {
				t.Fatalf("no focused error summary, or more than one")
			}
			if want := "Formuläret har " + strconv.Itoa(len(tc.fields)) + " fel"; !strings.Contains(summary, want) {
				t.Errorf("summary does not say %q:\n%.600s", want, summary)
			}
			at := 0
			for _, f := range tc.fields {
				i := strings.Index(summary, `href="#`+f+`"`)
				if i < at {
					t.Errorf("no link to #%s after the ones before it", f)
				}
				at = max(i, at)
				if !strings.Contains(body, `id="`+f+`"`) || !strings.Contains(body, `id="`+f+`-error"`) {
					t.Errorf("the link to #%s leads nowhere, or the field has no message", f)
				}
				// The month's select is described by its help too; the quote's line inputs are the line
				// editor's (issue 15, item 4).
				if f != "fiscal_year_end" && !strings.HasPrefix(f, "line_") && !strings.Contains(body, `aria-describedby="`+f+`-error"`) {
					t.Errorf("field %s is not tied to its message", f)
				}
			}
		})
	}
}

// TestPostalCodeAndCountryInOneSubmit: a customer form whose country and postal code are both wrong
// gets both messages at once, in Swedish; the country list then still shows the typed value chosen.
func TestPostalCodeAndCountryInOneSubmit(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	c := env.SignedInClient(t, "admin@example.se", true)
	r := c.PostForm("/customers", url.Values{"kind": {"person"}, "name": {"Eva Ek"}, "postal_code": {"1234"}, "country": {"S1"}})
	body := html.UnescapeString(r.Body)
	for _, want := range []string{`<span class="field-error" id="postal_code-error">Ange postnummer som 123 45.</span>`,
		`<span class="field-error" id="country-error">Välj ett land i listan.</span>`, `<option value="S1" selected>S1</option>`} {
		if !strings.Contains(body, want) {
			t.Errorf("after one submit the form has no %s", want)
		}
	}
}

// TestCountryIsChosenByName: the customer form lists the countries by their Swedish names with Sverige
// chosen, stores the code of the one chosen, and the customer page (and a supplier's) names it; an old
// code the list lacks stays chosen on the edit form.
func TestCountryIsChosenByName(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	c := env.SignedInClient(t, "admin@example.se", true)
	form := c.Get("/customers/new").Body
	for _, want := range []string{`<option value="SE" selected>Sverige</option>`, `<option value="NO">Norge</option>`,
		`<option value="AT">Österrike</option>`} {
		if !strings.Contains(html.UnescapeString(form), want) {
			t.Errorf("new customer form has no %s", want)
		}
	}
	for typed, want := range map[string]string{"NO": "NO", "": "SE"} {
		r := c.PostForm("/customers", url.Values{"kind": {"person"}, "name": {"Kund " + want}, "country": {typed}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("create with country %q: %d", typed, r.Status)
		}
		var stored string
		if err := env.DB.Pool.QueryRow(context.Background(), `SELECT country FROM customers WHERE name = $1`, "Kund "+want).Scan(&stored); err != nil || stored != want {
			t.Errorf("country %q stored as %q (%v), want %q", typed, stored, err, want)
		}
		if want == "NO" && !strings.Contains(c.Get(r.Location).Body, "<dd>Norge</dd>") {
			t.Errorf("the customer page does not name the country Norge")
		}
	}
	if r := c.PostForm("/suppliers", url.Values{"name": {"Fjord AS"}, "country": {"NO"}}); r.Status != http.StatusSeeOther ||
		!strings.Contains(c.Get(r.Location).Body, "<dd>Norge</dd>") {
		t.Errorf("a supplier in Norway: %d, or its page does not name the country", r.Status)
	}
	old := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Gammal Kund", Country: "UK"})
	if edit := c.Get(customerPath(old) + "/edit").Body; !strings.Contains(edit, `<option value="UK" selected>UK</option>`) {
		t.Errorf("the edit form does not keep the old code UK chosen")
	}
}

// TestSignInChecksItsFieldsOnTheServer: the sign-in form no longer leaves "required" to the browser; an
// empty field gets a Swedish message instead of a failed sign-in.
func TestSignInChecksItsFieldsOnTheServer(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	env.MustCreateUser(t, "anna@example.se", false)
	c := env.NewClient(t)
	for _, form := range []url.Values{{"email": {"anna@example.se"}, "password": {""}}, {"email": {" "}, "password": {"något"}}} {
		r := c.PostForm("/signin", form)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(r.Body), "Fyll i både e-postadress och lösenord.") {
			t.Errorf("sign-in with %v: status %d, want 422 and the message to fill in both", form, r.Status)
		}
	}
}

// TestConfirmBoxesAreCheckedOnTheServer: the tick boxes that confirm deactivating a user or making an
// admin were "required" for the browser only; unticked, the server changes nothing and says to tick.
func TestConfirmBoxesAreCheckedOnTheServer(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	id, _ := env.MustCreateUser(t, "target@example.se", false)
	c := env.SignedInClient(t, "admin@example.se", true)
	path := "/users/" + strconv.FormatInt(int64(id), 10)
	for _, tc := range []struct{ action, admin string }{{"/deactivate", ""}, {"/admin", "yes"}} {
		r := c.PostForm(path+tc.action, url.Values{"admin": {tc.admin}})
		if r.Status != http.StatusSeeOther || r.Location != path {
			t.Fatalf("%s unticked: %d to %q", tc.action, r.Status, r.Location)
		}
		if page := html.UnescapeString(c.Get(path).Body); !strings.Contains(page, "Kryssa i rutan för att bekräfta.") {
			t.Errorf("%s unticked: the page does not ask to tick the box", tc.action)
		}
	}
	var active, admin bool
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT active, is_admin FROM users WHERE id = $1`, id).Scan(&active, &admin); err != nil ||
		!active || admin {
		t.Errorf("unticked confirmations changed the user: active %v, admin %v (%v)", active, admin, err)
	}
}
