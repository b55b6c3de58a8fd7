package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil"
)

// TestRetentionRulePages: the data protection officer sees the rules, what a rule's next run would do,
// is asked to type a short period again (nothing typed is lost), runs the rule by hand and sees the run
// listed; a clerk may not see the rules.
func TestRetentionRulePages(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	ctx := authz.WithActor(context.Background(), authz.System())
	env.Clock.Set(time.Date(2021, time.June, 1, 12, 0, 0, 0, domain.Stockholm))
	env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Olle Gammal"})
	env.Clock.Set(time.Date(2023, time.June, 1, 12, 0, 0, 0, domain.Stockholm))
	env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Nora Ny"})
	rules, err := env.Services.Rules.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	path := "/privacy/rules/" + strconv.FormatInt(rules[0].ID, 10)

	env.Clock.Set(time.Date(2025, time.January, 1, 12, 0, 0, 0, domain.Stockholm))
	dpo := env.SignedInClient(t, "dpo@example.se", false, authz.PrivacyManage)
	list := dpo.Get("/privacy/rules")
	if list.Status != http.StatusOK || !strings.Contains(list.Body, "Privatkunder utan aktivitet") ||
		!strings.Contains(list.Body, "Kreditupplysningar") || !strings.Contains(list.Body, "Av: bara för hand") {
		t.Fatalf("the rules: %d\n%s", list.Status, list.Body)
	}
	page := dpo.Get(path)
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "1 kund, senast aktiv före 2022-01-01") ||
		!strings.Contains(page.Body, "Olle Gammal") || strings.Contains(page.Body, "Nora Ny") {
		t.Fatalf("the next run (36 months): %d\n%s", page.Status, page.Body)
	}

	form := url.Values{"months": {"12"}, "action": {"anonymise"}, "enabled": {"yes"}}
	bad := dpo.PostForm(path, form)
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "skriv antalet månader igen för att bekräfta") ||
		!strings.Contains(bad.Body, `value="12"`) {
		t.Fatalf("a period under the default without its confirmation: %d", bad.Status)
	}
	if r, _ := env.Services.Rules.List(ctx); r[0].Months != 36 || r[0].Enabled {
		t.Fatalf("the refused form changed the rule: %+v", r[0])
	}
	form.Set("confirm", "12")
	if r := dpo.PostForm(path, form); r.Status != http.StatusSeeOther || r.Location != path {
		t.Fatalf("save: %d %s", r.Status, r.Location)
	}
	page = dpo.Get(path)
	if !strings.Contains(page.Body, "Regeln är sparad.") || !strings.Contains(page.Body, "2 kunder, senast aktiva före 2024-01-01") {
		t.Fatalf("after saving 12 months:\n%s", page.Body)
	}
	if r := dpo.PostForm(path+"/run", url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("run by hand: %d", r.Status)
	}
	page = dpo.Get(path)
	if !strings.Contains(page.Body, "Massbearbetningen är startad. (för hand)") {
		t.Fatalf("the run is not listed:\n%s", page.Body)
	}

	clerk := env.SignedInClient(t, "clerk@example.se", false, authz.CustomerView, authz.CustomerAnonymise)
	if r := clerk.Get("/privacy/rules"); r.Status != http.StatusForbidden {
		t.Errorf("a clerk got the rules: %d", r.Status)
	}
}
