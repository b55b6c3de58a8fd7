package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/testutil"
)

// TestBadPagingInputGivesTheFirstPage: a cursor that is no id (too large for an int64, negative, not a
// number) never fails a list: the list shows its first page.
func TestBadPagingInputGivesTheFirstPage(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	c := env.SignedInClient(t, "admin@example.se", true)
	ctx := authz.WithActor(context.Background(), authz.System())
	gone := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Borta Bortasson"})
	if _, err := env.Services.GDPR.Anonymise(ctx, gone.ID, gdpr.Input{Confirm: strconv.FormatInt(gone.Number, 10), Reason: "Begäran"}); err != nil {
		t.Fatal(err)
	}
	env.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Kvar AB"})
	env.MustCreateSupplier(t, domain.SupplierInput{Name: "Leverantören AB"})

	// What the first page of each list shows.
	lists := map[string]string{
		"/audit":     "Kund skapad",
		"/erasures":  strconv.FormatInt(gone.Number, 10),
		"/customers": "Kvar AB",
		"/suppliers": "Leverantören AB",
		"/crm":       "Kvar AB",
	}
	bad := []string{"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-1", "0", "abc",
		"1e3", " 7", "0x10", "", "2147483648"}
	for path, first := range lists {
		for _, param := range []string{"before", "after", "page"} {
			for _, v := range bad {
				u := path + "?" + url.Values{param: {v}}.Encode()
				r := c.Get(u)
				if r.Status != http.StatusOK {
					t.Errorf("%s: %d, want the first page", u, r.Status)
					continue
				}
				// A well-formed cursor naming no row is a stale one (its row was deleted): every list pages
				// by its sort column's key, so it gives an empty page with a link to the first.
				if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
					continue
				}
				if !strings.Contains(r.Body, first) {
					t.Errorf("%s: the first page's %q is missing", u, first)
				}
			}
		}
	}

	// Ids in paths the same way: no such row.
	for _, pattern := range []string{"/customers/%s", "/customers/%s/edit", "/suppliers/%s", "/quotes/%s", "/users/%s",
		"/bulk-jobs/%s", "/customers/%s/quotes/new", "/customers/%s/export"} {
		for _, v := range []string{"9223372036854775807", "9223372036854775808", "2147483648", "-1", "0", "abc"} {
			u := strings.Replace(pattern, "%s", v, 1)
			if r := c.Get(u); r.Status != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", u, r.Status)
			}
		}
	}
}
