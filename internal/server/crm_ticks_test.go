package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil"
)

var (
	shownRE = regexp.MustCompile(`name="shown" value="(\d+)"`)
	nextRE  = regexp.MustCompile(`<nav class="pager"[^>]*>(?:.|\n)*?<a href="([^"]*after=[^"]*)"`)
)

// shownIDs are the customer ids of a CRM page's table, in its order.
func shownIDs(body string) []string {
	var out []string
	for _, m := range shownRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// nextPage is the address of the CRM page's next page, "" on the last.
func nextPage(body string) string {
	m := nextRE.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func bulkClient(t *testing.T, env *testutil.Env) *testutil.Client {
	return env.SignedInClient(t, "bulk@example.se", false, authz.CustomerView, authz.CustomerBulkErase, authz.CustomerAnonymise)
}

// TestCRMTicksKeptAcrossPages: boxes ticked on page 1 are still ticked after going to page 2 and back, the
// screen says how many are ticked, and "Endast markerade" on page 2 previews the ticked ones of both pages.
func TestCRMTicksKeptAcrossPages(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	names := map[string]string{}
	for i := range 60 {
		c := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Kund " + strconv.Itoa(i), City: "Kiruna"})
		names[strconv.FormatInt(int64(c.ID), 10)] = c.Name
	}
	env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Annan Stad", City: "Visby"})
	c := bulkClient(t, env)

	first := "/crm?city=Kiruna&size=25"
	page1 := c.Get(first)
	p1 := shownIDs(page1.Body)
	if len(p1) != 25 || !strings.Contains(page1.Body, "Inga kunder markerade.") {
		t.Fatalf("page 1: %d rows: %s", len(p1), page1.Body)
	}
	// Without script: "Spara markeringar" posts the page's boxes and returns to the page.
	r := c.PostForm("/crm/ticks", url.Values{"city": {"Kiruna"}, "shown": p1, "ids": {p1[0], p1[1]}, "back": {first}})
	if r.Status != http.StatusSeeOther || r.Location != first {
		t.Fatalf("save ticks: %d %q", r.Status, r.Location)
	}
	page1 = c.Get(first)
	if !strings.Contains(page1.Body, "2 markerade") || strings.Count(page1.Body, `checked aria-label="Välj kund`) != 2 {
		t.Errorf("page 1 after saving: %s", page1.Body)
	}
	next := nextPage(page1.Body)
	page2 := c.Get(next)
	p2 := shownIDs(page2.Body)
	if len(p2) != 25 || slices.Contains(p2, p1[0]) || !strings.Contains(page2.Body, "2 markerade") ||
		!strings.Contains(page2.Body, "Visar 26–50 av 60") {
		t.Fatalf("page 2 (%s): %s", next, page2.Body)
	}
	// "Endast markerade" on page 2, with one more ticked there.
	r = c.PostForm("/crm/bulk", url.Values{"city": {"Kiruna"}, "shown": p2, "ids": {p2[3]}, "all": {""}, "back": {next}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("draft: %d", r.Status)
	}
	preview := c.Get(r.Location)
	if !strings.Contains(preview.Body, "3 kunder är valda") {
		t.Errorf("preview of the ticked ones: %s", preview.Body)
	}
	for _, id := range []string{p1[0], p1[1], p2[3]} {
		if !strings.Contains(preview.Body, "<td>"+names[id]+"</td>") {
			t.Errorf("the preview does not list %s", names[id])
		}
	}
	// Unticking on page 1 drops that one only; another filter says which ticks it leaves out.
	c.PostForm("/crm/ticks", url.Values{"city": {"Kiruna"}, "shown": p1, "ids": {p1[1]}, "back": {first}})
	if page := c.Get("/crm?city=Visby"); !strings.Contains(page.Body, "2 markerade") ||
		!strings.Contains(page.Body, "(varav 2 kunder utanför urvalet, som inte tas med)") {
		t.Errorf("ticks under another filter: %s", page.Body)
	}
	if r := c.PostForm("/crm/ticks", url.Values{"clear": {"yes"}, "back": {"/crm"}}); r.Location != "/crm" {
		t.Errorf("clear: %d %q", r.Status, r.Location)
	}
	if page := c.Get(first); !strings.Contains(page.Body, "Inga kunder markerade.") || strings.Contains(page.Body, "checked aria-label") {
		t.Errorf("after clearing: %s", page.Body)
	}
	// A return address elsewhere is not followed.
	if r := c.PostForm("/crm/ticks", url.Values{"back": {"//example.com/crm"}}); r.Location != "/crm" {
		t.Errorf("foreign return address: %q", r.Location)
	}
}

// TestCRMTicksCapped: the session keeps at most 1000 ticks; more are refused with a message, also to the
// script (which gets the ticks line back).
func TestCRMTicksCapped(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Kim Kund"})
	c := bulkClient(t, env)
	var ids []string
	for i := range 1001 {
		ids = append(ids, strconv.Itoa(1000000+i))
	}
	r := c.PostForm("/crm/ticks", url.Values{"shown": ids, "ids": ids})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d", r.Status)
	}
	page := c.Get(r.Location)
	if !strings.Contains(page.Body, "1000 markerade") || !strings.Contains(page.Body, "Högst 1000 kunder kan vara markerade") {
		t.Errorf("capped ticks: %s", page.Body)
	}
	req, err := http.NewRequest(http.MethodPost, env.HTTP.URL+"/crm/ticks",
		strings.NewReader(url.Values{"shown": {"2000000"}, "ids": {"2000000"}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("HX-Request", "true")
	frag := c.Do(req)
	if frag.Status != http.StatusOK || !strings.Contains(frag.Body, `id="ticks-full"`) || !strings.Contains(frag.Body, "1000 markerade") ||
		strings.Contains(frag.Body, "<html") || !strings.Contains(frag.Body, `data-page-ticked=""`) {
		t.Errorf("the script's answer at the cap: %d %s", frag.Status, frag.Body)
	}
}

// TestCRMSortsAndPages: every column sorts the segment, and paging through 120 customers 25 at a time
// in each order shows each once, in that order (towns in Swedish order: Å, Ä, Ö after Z).
func TestCRMSortsAndPages(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	towns := []string{"Örebro", "Umeå", "Åre", "Arvika", "Älmhult", "Borås"}
	kinds := []domain.CustomerKind{domain.Person, domain.Company}
	for i := range 120 {
		env.MustCreateCustomer(t, domain.CustomerInput{Kind: string(kinds[i%2]), Name: "Kund " + strconv.Itoa(i%17),
			City: towns[i%len(towns)], Email: "k" + strconv.Itoa(i) + "@example.se"})
	}
	c := bulkClient(t, env)
	townOf := map[string]string{}
	rows, err := env.DB.Pool.Query(context.Background(), `SELECT id::text, city FROM customers`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, city string
		_ = rows.Scan(&id, &city)
		townOf[id] = city
	}
	rows.Close()
	for _, tc := range []struct{ sort, dir, order string }{
		{"city", "", `city COLLATE "sv-x-icu", id`}, {"city", "desc", `city COLLATE "sv-x-icu" DESC, id DESC`},
		{"name", "", `name COLLATE "sv-x-icu", id`}, {"kind", "desc", `kind DESC, id DESC`},
		{"activity", "", `last_activity_at, id`}, {"number", "desc", `number DESC, id DESC`},
	} {
		want := dbOrder(t, env, tc.order)
		var got []string
		path := "/crm?" + url.Values{"sort": {tc.sort}, "dir": {tc.dir}, "size": {"25"}}.Encode()
		for pages := 0; path != "" && pages < 10; pages++ {
			page := c.Get(path)
			if pages == 1 && !strings.Contains(page.Body, "Visar 26–50 av 120") {
				t.Errorf("%s %s: page 2 does not say Visar 26–50 av 120", tc.sort, tc.dir)
			}
			got = append(got, shownIDs(page.Body)...)
			path = nextPage(page.Body)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s %s: paged through %d rows, not in the order of the %d: %v\nwant %v", tc.sort, tc.dir, len(got), len(want), got, want)
		}
	}
	asc := c.Get("/crm?sort=city")
	if ids := shownIDs(asc.Body); len(ids) == 0 || townOf[ids[0]] != "Arvika" || townOf[ids[len(ids)-1]] != "Umeå" {
		t.Errorf("by town: first %q, last of 50 %q (20 of each town)", townOf[ids[0]], townOf[ids[len(ids)-1]])
	}
	if !strings.Contains(asc.Body, `<th scope="col" aria-sort="ascending"><a href="/crm?dir=desc&amp;sort=city">Ort`) {
		t.Errorf("the town heading does not say it sorts ascending, nor link to descending: %s", asc.Body)
	}
	if ids := shownIDs(c.Get("/crm?sort=city&dir=desc").Body); len(ids) == 0 || townOf[ids[0]] != "Örebro" {
		t.Errorf("by town descending starts with %q", townOf[ids[0]])
	}
	// The bulk button counts the whole segment, not the page.
	if page := c.Get("/crm?size=25&sort=city"); !strings.Contains(page.Body, "Radera eller anonymisera alla 120 som matchar …") ||
		!strings.Contains(page.Body, "Visar 1–25 av 120") {
		t.Errorf("count or showing line: %s", page.Body)
	}
}

// dbOrder is every customer's id in the given order, as the database sorts it.
func dbOrder(t *testing.T, env *testutil.Env, order string) []string {
	t.Helper()
	rows, err := env.DB.Pool.Query(context.Background(), `SELECT c.id::text AS cid FROM customers c ORDER BY `+order)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var id string
		_ = rows.Scan(&id)
		out = append(out, id)
	}
	rows.Close()
	return out
}

// TestCRMEmptyAndRecentQuotesOfTheSegment: a filter nobody matches offers "Rensa filter"; "Senaste
// offerter" lists the quotes of the segment's customers only.
func TestCRMEmptyAndRecentQuotesOfTheSegment(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	lulea := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Norrbotten AB", City: "Luleå"})
	umea := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Västerbotten AB", City: "Umeå"})
	env.MustCreateQuote(t, lulea.ID)
	env.MustCreateQuote(t, umea.ID)
	c := env.SignedInClient(t, "sales@example.se", false, authz.CustomerView)

	recent := func(path string) string {
		body := c.Get(path).Body
		i := strings.Index(body, `id="recent-quotes"`)
		if i < 0 {
			t.Fatalf("%s: no recent quotes", path)
		}
		return body[i:]
	}
	if got := recent("/crm?city=Ume%C3%A5"); !strings.Contains(got, "Västerbotten AB") || strings.Contains(got, "Norrbotten AB") {
		t.Errorf("recent quotes of Umeå: %s", got)
	}
	if got := recent("/crm"); !strings.Contains(got, "Västerbotten AB") || !strings.Contains(got, "Norrbotten AB") {
		t.Errorf("recent quotes of all: %s", got)
	}
	if got := recent("/crm?city=Lule%C3%A5&qs=sent"); strings.Contains(got, "Norrbotten AB") || !strings.Contains(got, "Inga offerter.") {
		t.Errorf("recent sent quotes of Luleå (there are none): %s", got)
	}

	empty := c.Get("/crm?city=Ingenstans")
	if !strings.Contains(empty.Body, `<div class="empty"><p>Inga kunder matchar.</p><p class="actions"><a class="button" href="/crm">Rensa filter</a>`) {
		t.Errorf("empty segment: %s", empty.Body)
	}
	if all := c.Get("/crm"); strings.Contains(all.Body, `class="empty"`) || !strings.Contains(all.Body, "Visar 1–2 av 2") {
		t.Errorf("the whole register: %s", all.Body)
	}
}
