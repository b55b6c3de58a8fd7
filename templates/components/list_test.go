package components_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/a-h/templ"

	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/templates/components"
)

// render is the markup c writes in the language lang.
func render(t *testing.T, lang string, c templ.Component) string {
	t.Helper()
	var b bytes.Buffer
	if err := c.Render(i18n.WithLang(context.Background(), lang), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestPager(t *testing.T) {
	fixed := components.ListPages("/customers", "/customers?before=7", "", "")
	fixed.Fixed = true
	for _, tc := range []struct {
		name, lang string
		pages      components.Pages
		want       string
	}{
		{"links that go somewhere, in order", "sv", components.ListPages("/crm?qs=draft", "", "/crm?after=3&qs=draft", ""),
			`<nav class="pager" aria-label="Sidor"><a href="/crm?qs=draft">« Första</a><a href="/crm?after=3&amp;qs=draft">Nästa ›</a></nav>`},
		{"labelled in English too", "en", components.ListPages("", "/suppliers?before=2", "/suppliers?after=9", ""),
			`<nav class="pager" aria-label="Pages"><a href="/suppliers?before=2">‹ Previous</a><a href="/suppliers?after=9">Next ›</a></nav>`},
		{"fixed: the others greyed in their place", "sv", fixed,
			`<nav class="pager" aria-label="Sidor"><a href="/customers">« Första</a><a href="/customers?before=7">‹ Föregående</a>` +
				`<span class="muted">Nästa ›</span><span class="muted">Sista »</span></nav>`},
		{"a log past its first page", "sv", components.LogPages("/audit", false, "/audit?before=40"),
			`<nav class="pager" aria-label="Sidor"><a href="/audit">Senaste händelserna</a><a href="/audit?before=40">Äldre händelser</a></nav>`},
		{"a log on its first page", "en", components.LogPages("/erasures", true, "/erasures?before=40"),
			`<nav class="pager" aria-label="Pages"><a href="/erasures?before=40">Older events</a></nav>`},
		{"no other page: no navigation at all", "sv", components.LogPages("/audit", true, ""), ``},
	} {
		if got := render(t, tc.lang, components.Pager(tc.pages)); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

// TestSortHeader: the order is on the <th> (aria-sort), where assistive technology looks for it, and only
// on the column the list is sorted by; the arrow is for the eye only.
func TestSortHeader(t *testing.T) {
	for _, tc := range []struct {
		lang string
		link components.SortLink
		want string
	}{
		{"sv", components.SortLink{Key: "customer.name", URL: "/customers?sort=name&dir=desc", Active: true},
			`<th scope="col" aria-sort="ascending"><a href="/customers?sort=name&amp;dir=desc">Namn <span aria-hidden="true">↑</span></a></th>`},
		{"en", components.SortLink{Key: "customer.name", URL: "/customers?sort=name&dir=", Active: true, Desc: true},
			`<th scope="col" aria-sort="descending"><a href="/customers?sort=name&amp;dir=">Name <span aria-hidden="true">↓</span></a></th>`},
		{"sv", components.SortLink{Key: "customer.name", URL: "/customers?sort=name&dir="},
			`<th scope="col"><a href="/customers?sort=name&amp;dir=">Namn</a></th>`},
	} {
		if got := render(t, tc.lang, components.SortHeader(tc.link)); got != tc.want {
			t.Errorf("%+v in %s:\n got %s\nwant %s", tc.link, tc.lang, got, tc.want)
		}
	}
}

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		lang string
		n    int
		want string
	}{
		{"sv", 1, "1 kund"}, {"sv", 0, "0 kunder"}, {"sv", 2, "2 kunder"},
		{"en", 1, "1 customer"}, {"en", 0, "0 customers"}, {"en", 21, "21 customers"},
	} {
		if got := render(t, tc.lang, components.Count("customers.count", tc.n)); got != tc.want {
			t.Errorf("%d in %s: %q, want %q", tc.n, tc.lang, got, tc.want)
		}
	}
}
