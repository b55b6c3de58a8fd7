package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/testutil"
)

// A reason that would put personal data in the erasure register is refused beside the field, with what
// was typed still in it, on the single erasure page and on the bulk job's preview.
func TestErasureReasonRefusalsKeepTheText(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	sv := i18n.WithLang(context.Background(), "sv")
	firm := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Lund Logistik AB", City: "Lund"})
	if err := env.Services.Customers.AddContact(authz.WithActor(context.Background(), authz.System()), firm.ID,
		domain.ContactInput{Name: "Karin Lundqvist", Email: "karin.lundqvist@logistik.example", Phone: "070-123 45 67"}); err != nil {
		t.Fatal(err)
	}
	_, pw := env.MustCreateUser(t, "dpo@example.se", false, authz.CustomerView, authz.CustomerAnonymise, authz.CustomerBulkErase)
	c := env.NewClient(t)
	c.SignIn("dpo@example.se", pw)

	for reason, key := range map[string]string{
		"Karin Lundqvist ringde":  "gdpr.error.reason_personal",
		"Ring 070-123 45 67 åter": "gdpr.error.reason_contact_data",
	} {
		r := c.PostForm(customerPath(firm)+"/anonymise", url.Values{"confirm": {strconv.FormatInt(firm.Number, 10)}, "reason": {reason}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="reason-error">`+html.EscapeString(i18n.T(sv, key))) ||
			!strings.Contains(r.Body, ">"+html.EscapeString(reason)+"</textarea>") {
			t.Errorf("anonymise with reason %q: %d, want 422 with %s beside the reason and the text kept", reason, r.Status, key)
		}
	}

	r := c.PostForm("/crm/bulk", url.Values{"city": {"Lund"}, "all": {"yes"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("bulk draft: %d", r.Status)
	}
	job := r.Location
	reason := "Karin Lundqvist har slutat"
	r = c.PostForm(job+"/confirm", url.Values{"kind": {"anonymise"}, "reason": {reason}})
	want := html.EscapeString(i18n.Tf(sv, "bulk.error.reason_personal", strconv.FormatInt(firm.Number, 10)))
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="reason-error">`+want) ||
		!strings.Contains(r.Body, ">"+html.EscapeString(reason)+"</textarea>") {
		t.Errorf("bulk confirm naming a contact: %d, want 422 naming customer %d beside the reason, text kept", r.Status, firm.Number)
	}
	if r := c.PostForm(job+"/confirm", url.Values{"kind": {"anonymise"}, "reason": {"Mejl från karin@example.se"}}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, html.EscapeString(i18n.T(sv, "gdpr.error.reason_contact_data"))) {
		t.Errorf("bulk confirm with an e-mail address: %d, want 422", r.Status)
	}
	var n int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM erasures`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d register entries (%v) after refused reasons", n, err)
	}
}
