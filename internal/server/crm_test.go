package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/testutil"
)

func TestCRMSegmentFilters(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	c := env.SignedInClient(t, "sales@example.se", false, authz.CustomerView)
	withQuote := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Offert AB", City: "Luleå"})
	env.MustCreateQuote(t, withQuote.ID)
	env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Utan Offert", City: "Luleå"})
	env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Annan Ort", City: "Umeå"})

	for _, tc := range []struct {
		query string
		want  []string
		n     int
	}{
		{"city=lule%C3%A5", []string{"Offert AB", "Utan Offert"}, 2},
		{"kind=person", []string{"Utan Offert", "Annan Ort"}, 2},
		{"quotes=any", []string{"Offert AB"}, 1},
		{"quotes=none&city=Lule%C3%A5", []string{"Utan Offert"}, 1},
		{"quote_status=draft", []string{"Offert AB"}, 1},
		{"no_quotes_since=2026-01-01", []string{"Utan Offert", "Annan Ort"}, 2},
		{"anonymised=yes", nil, 0},
	} {
		r := c.Get("/crm?" + tc.query)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d", tc.query, r.Status)
		}
		count := strconv.Itoa(tc.n) + " kunder matchar"
		if tc.n == 1 {
			count = "1 kund matchar" // not "1 kunder"
		}
		if !strings.Contains(r.Body, count) {
			t.Errorf("%s: %q missing", tc.query, count)
		}
		for _, name := range tc.want {
			if !strings.Contains(r.Body, name) {
				t.Errorf("%s: %s missing", tc.query, name)
			}
		}
	}
	if r := c.Get("/crm?created_from=2026-13-45"); r.Status != http.StatusOK || !strings.Contains(r.Body, `id="created_from-error"`) {
		t.Errorf("a bad date should be reported beside its field: %d", r.Status)
	}
	if r := c.Get("/crm"); !strings.Contains(r.Body, `id="recent-quotes"`) || !strings.Contains(r.Body, "Offert AB") {
		t.Error("the CRM screen does not list recent quotes")
	}
}

func TestBulkActionsOnlyWithThePermission(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Kim Kund"})
	_, viewPW := env.MustCreateUser(t, "view@example.se", false, authz.CustomerView, authz.CustomerAnonymise, authz.CustomerDelete)
	_, bulkPW := env.MustCreateUser(t, "bulk@example.se", false, authz.CustomerView, authz.CustomerBulkErase, authz.CustomerAnonymise)
	view, bulk := env.NewClient(t), env.NewClient(t)
	view.SignIn("view@example.se", viewPW)
	bulk.SignIn("bulk@example.se", bulkPW)

	page := view.Get("/crm")
	if page.Status != http.StatusOK || strings.Contains(page.Body, `id="select-all"`) || strings.Contains(page.Body, `name="ids"`) ||
		strings.Contains(page.Body, "/bulk-jobs") {
		t.Errorf("a user without the bulk permission sees bulk actions")
	}
	for _, r := range []testutil.Response{view.PostForm("/crm/bulk", url.Values{"all": {"yes"}}), view.Get("/bulk-jobs")} {
		if r.Status != http.StatusForbidden {
			t.Errorf("a user without the bulk permission: %d, want 403", r.Status)
		}
	}
	// The bulk permission alone (neither delete nor anonymise) shows nothing and makes no drafts.
	only := env.SignedInClient(t, "only@example.se", false, authz.CustomerView, authz.CustomerBulkErase)
	if page := only.Get("/crm"); strings.Contains(page.Body, `id="select-all"`) {
		t.Error("a user who may neither delete nor anonymise sees the bulk actions")
	}
	if r := only.PostForm("/crm/bulk", url.Values{"all": {"yes"}}); r.Status != http.StatusForbidden {
		t.Errorf("a draft by a user who may neither delete nor anonymise: %d, want 403", r.Status)
	}
	if page := bulk.Get("/crm"); !strings.Contains(page.Body, `id="select-all"`) {
		t.Error("a user with the bulk permission does not see the bulk actions")
	} else if !strings.Contains(page.Body, `class="button danger" id="select-all">Radera eller anonymisera den enda kunden som matchar …</button>`) ||
		!strings.Contains(page.Body, `class="button danger" id="selected">Radera eller anonymisera markerade …</button>`) {
		t.Errorf("the bulk buttons do not say that they erase: %s", page.Body)
	}
	// Preview shows only the actions the user may take: anonymise, not delete.
	r := bulk.PostForm("/crm/bulk", url.Values{"all": {"yes"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("draft: %d", r.Status)
	}
	preview := bulk.Get(r.Location)
	if !strings.Contains(preview.Body, `value="anonymise"`) || strings.Contains(preview.Body, `value="delete"`) {
		t.Error("the preview offers delete to a user who may not delete")
	}
	// A hand-made delete confirmation is refused.
	if r := bulk.PostForm(r.Location+"/confirm", url.Values{"kind": {"delete"}, "retained": {"skip"}, "reason": {"x"}}); r.Status != http.StatusForbidden {
		t.Errorf("delete without the delete permission: %d, want 403", r.Status)
	}
	// Someone else's job is not found.
	other := env.SignedInClient(t, "other@example.se", false, authz.CustomerView, authz.CustomerBulkErase, authz.CustomerAnonymise)
	if r := other.Get(r.Location); r.Status != http.StatusNotFound {
		t.Errorf("another user's job: %d, want 404", r.Status)
	}
}

func TestBulkJobThroughThePages(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	env.StartJobs(t)
	for i := range 120 {
		env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Kund " + strconv.Itoa(i), City: "Kiruna"})
	}
	env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Annan Stad", City: "Visby"})
	c := env.SignedInClient(t, "bulk@example.se", false, authz.CustomerView, authz.CustomerBulkErase, authz.CustomerAnonymise)

	r := c.PostForm("/crm/bulk", url.Values{"city": {"Kiruna"}, "all": {"yes"}})
	preview := c.Get(r.Location)
	if !strings.Contains(preview.Body, "120 kunder är valda") || !strings.Contains(preview.Body, "Ort: Kiruna") {
		t.Fatalf("preview: %s", preview.Body)
	}
	if !strings.Contains(preview.Body, ">Anonymisera 120 kunder</button>") || strings.Contains(preview.Body, "Annan Stad") ||
		strings.Count(preview.Body, "<td>Kund ") != gdpr.SelectionPage {
		t.Errorf("preview's confirm button and first page of the selection: %s", preview.Body)
	}
	// The selection pages by customer id, never by anything personal.
	next := regexp.MustCompile(`href="(/bulk-jobs/\d+\?after=\d+#selection)"`).FindStringSubmatch(preview.Body)
	if next == nil {
		t.Fatalf("no next page of the selection: %s", preview.Body)
	}
	if page := c.Get(strings.TrimSuffix(next[1], "#selection")); strings.Count(page.Body, "<td>Kund ") != gdpr.SelectionPage {
		t.Errorf("second page of the selection: %s", page.Body)
	}
	form := url.Values{"kind": {"anonymise"}, "reason": {"Inaktiva kunder"}, "count": {"12"}}
	if r := c.PostForm(r.Location+"/confirm", form); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Inaktiva kunder") {
		t.Fatalf("wrong count: %d, want 422 with the reason kept", r.Status)
	}
	form.Set("count", "120")
	if r := c.PostForm(r.Location+"/confirm", form); r.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d", r.Status)
	}
	var page testutil.Response
	deadline := time.Now().Add(time.Minute)
	for {
		page = c.Get(r.Location + "/progress")
		if strings.Contains(page.Body, `id="verified"`) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond) // polling, as the page does; not a timing assertion
	}
	if page.Status != 286 { // htmx stops polling on it
		t.Errorf("finished job's poll: status %d, want 286", page.Status)
	}
	if !strings.Contains(page.Body, "120 av 120 kunder (100 %)") || !strings.Contains(page.Body, "ingen av de anonymiserade eller raderade kunderna har kvar") ||
		strings.Contains(page.Body, `hx-trigger`) {
		t.Fatalf("finished job: %s", page.Body)
	}
	// "Has started" is stale once the job is over: the last poll removes it from the page, and the report
	// opened afterwards (the polls left the flash in the session) does not show it.
	if !strings.Contains(page.Body, `hx-swap-oob="delete:#main > .flash"`) {
		t.Errorf("the finished job's last poll does not remove the page's flash: %s", page.Body)
	}
	if report := c.Get(r.Location); strings.Contains(report.Body, "Massbearbetningen har startat") || !strings.Contains(report.Body, `id="job-times"`) {
		t.Errorf("finished report with a stale flash or without its times: %s", report.Body)
	}
	var n int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM customers WHERE anonymised_at IS NOT NULL`).Scan(&n); err != nil || n != 120 {
		t.Fatalf("%d anonymised (%v), want 120", n, err)
	}
	reg := c.Get("/bulk-jobs")
	if !strings.Contains(reg.Body, "120 / 120") {
		t.Error("the jobs list does not show the job")
	}
}
