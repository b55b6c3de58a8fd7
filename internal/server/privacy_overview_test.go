package server_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/testutil"
)

// TestPrivacyOverviewOnTheStartPage: a data protection officer's start page tells where the processing
// agreement stands, which retention hold ends first, and the bulk jobs; nobody else's does, and it names no
// customer.
func TestPrivacyOverviewOnTheStartPage(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	dpo := env.SignedInClient(t, "dpo@example.se", false, authz.PrivacyManage)
	clerk := env.SignedInClient(t, "clerk@example.se", false, authz.CustomerView, authz.CustomerEdit)
	env.MustCreateUser(t, "admin@example.se", true)
	card := regexp.MustCompile(`(?s)<section class="card" id="privacy-overview">.*?</section>`)
	first := card.FindString(dpo.Get("/").Body)
	for _, want := range []string{"Inga massbearbetningar än.", "Inga sparade offertuppgifter har lagringsskydd.", "Ingen version är publicerad än."} {
		if !strings.Contains(first, want) {
			t.Errorf("a new installation's overview lacks %q", want)
		}
	}
	if r := clerk.Get("/"); r.Status != http.StatusOK || strings.Contains(r.Body, `id="privacy-overview"`) {
		t.Fatal("someone who neither reads the audit log nor manages data protection sees the overview")
	}

	ctx := authz.WithActor(context.Background(), authz.System())
	if _, err := env.Services.Agreement.Publish(ctx, "2026-1", "Avtalstext"); err != nil {
		t.Fatal(err)
	}
	// A customer who bought a year ago and is anonymised now: the sale's details are kept under Bokföringslagen.
	held := env.MustCreateRichCustomer(t, "Hållen AB", year)
	if _, err := env.Services.GDPR.Anonymise(ctx, held.ID, gdpr.Input{Confirm: strconv.FormatInt(held.Number, 10), Reason: "Begäran"}); err != nil {
		t.Fatal(err)
	}
	var until string
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT min(held_until)::text FROM quotes`).Scan(&until); err != nil {
		t.Fatal(err)
	}
	seg, _, _ := domain.ParseSegment(map[string]string{"city": "Stockholm"})
	job, err := env.Services.Bulk.Draft(ctx, seg, map[string]string{"city": "Stockholm"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Services.Bulk.Confirm(ctx, job.ID, gdpr.ConfirmInput{Kind: domain.EraseAnonymise, Reason: "Rensning"}); err != nil {
		t.Fatal(err)
	}

	now := card.FindString(dpo.Get("/").Body)
	for _, want := range []string{"Version 2026-1: godkänd av 0 av 1 administratör.", "0 offerter rensas inom 30 dagar; första rensningen " + until + ".",
		job.Ref, "Anonymisera · I kö"} {
		if !strings.Contains(now, want) {
			t.Errorf("the overview lacks %q:\n%s", want, now)
		}
	}
	if strings.Contains(now, "Hållen") || strings.Contains(now, `href="/bulk-jobs/`) {
		t.Error("the overview names a customer, or links a job for someone who may not open it")
	}
}
