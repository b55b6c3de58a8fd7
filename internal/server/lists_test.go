package server_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/testutil"
)

var (
	tbodyRe   = regexp.MustCompile(`(?s)<tbody>(.*?)</tbody>`)
	rowRe     = regexp.MustCompile(`(?s)<tr[^>]*>(.*?)</tr>`)
	cellRe    = regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`)
	tagRe     = regexp.MustCompile(`<[^>]+>`)
	nextRe    = regexp.MustCompile(`<a href="([^"]+)">Nästa ›</a>`)
	showingRe = regexp.MustCompile(`id="result-count">([^<]+)<`)
)

// listRows are the cells of the list's rows as a reader sees them (text, in page order).
func listRows(body string) [][]string {
	m := tbodyRe.FindStringSubmatch(body)
	if m == nil {
		return nil
	}
	var rows [][]string
	for _, r := range rowRe.FindAllStringSubmatch(m[1], -1) {
		var cells []string
		for _, c := range cellRe.FindAllStringSubmatch(r[1], -1) {
			cells = append(cells, strings.TrimSpace(html.UnescapeString(tagRe.ReplaceAllString(c[1], ""))))
		}
		rows = append(rows, cells)
	}
	return rows
}

// shownCount is the page's "Visar 26–50 av 60".
func shownCount(body string) string {
	if m := showingRe.FindStringSubmatch(body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

// walkList reads a list page by page through its "Nästa" links from path, returning column col of every
// row and the "Visar" line of each page.
func walkList(t *testing.T, c *testutil.Client, path string, col int) (values, showing []string) {
	t.Helper()
	for range 20 {
		r := c.Get(path)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d", path, r.Status)
		}
		for _, row := range listRows(r.Body) {
			values = append(values, row[col])
		}
		showing = append(showing, shownCount(r.Body))
		m := nextRe.FindStringSubmatch(r.Body)
		if m == nil {
			return values, showing
		}
		path = html.UnescapeString(m[1])
	}
	t.Fatalf("%s: more than 20 pages", path)
	return nil, nil
}

// checkWalk pages through path 25 rows at a time and checks the rows come in want's order, each once,
// with "Visar 26–50 av N" on the second page.
func checkWalk(t *testing.T, c *testutil.Client, path string, col int, want []string) {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	got, showing := walkList(t, c, path+sep+"size=25", col)
	if !slices.Equal(got, want) {
		t.Errorf("%s: rows\n%q\nwant\n%q", path, got, want)
	}
	if n := len(want); n > 25 && (len(showing) < 2 || showing[1] != fmt.Sprintf("Visar 26–%d av %d", min(50, n), n)) {
		t.Errorf("%s: pages say %q", path, showing)
	}
}

// perm is a fixed shuffle of 1..60, so each column orders the rows differently.
func perm(i, k int) int { return i * k % 61 }

// personnummer is a valid personnummer born on 1 January 1980 with serial n.
func personnummer(n int) string {
	payload := fmt.Sprintf("800101%03d", n+100)
	return fmt.Sprintf("19%s-%s%d", payload[:6], payload[6:], domain.LuhnDigit(payload))
}

// sortedBy is keys ordered by their value, the ties (and desc) as the lists break them: by creation.
func sortedBy[K any](keys []K, cmp func(a, b K) int, desc bool) []K {
	out := slices.Clone(keys)
	slices.SortStableFunc(out, cmp)
	if desc {
		slices.Reverse(out)
	}
	return out
}

type listCustomer struct {
	i                                              int
	number, name, activity, id, email, phone, city string
}

// TestCustomerListSortsAndPagesByEveryColumn: each of the register's seven columns sorts it both ways, and
// paging 25 at a time through 60 customers shows each once in that order, "Visar 26–50 av 60" on page 2.
func TestCustomerListSortsAndPagesByEveryColumn(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	c := env.SignedInClient(t, "admin@example.se", true)
	cities := []string{"Umea", "Arboga", "Lund", "Boden", "Eslov"}
	var rows []listCustomer
	start := env.Clock.Now()
	for i := 1; i <= 60; i++ {
		env.Clock.Set(start.Add(time.Duration(perm(i, 11)) * 24 * time.Hour))
		cu := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: fmt.Sprintf("Kund %03d", perm(i, 37)),
			IDNumber: personnummer(perm(i, 7)), Email: fmt.Sprintf("k%03d@example.se", perm(i, 13)),
			Phone: fmt.Sprintf("070-000 %04d", perm(i, 29)), City: cities[i%5]})
		rows = append(rows, listCustomer{i, strconv.FormatInt(cu.Number, 10), cu.Name,
			cu.LastActivityAt.In(domain.Stockholm).Format(domain.DateLayout), cu.IDNumber, cu.Email, cu.Phone, cu.City})
	}
	env.Clock.Set(start)
	fields := []struct {
		sort string
		col  int
		key  func(listCustomer) string
	}{
		{"number", 0, func(r listCustomer) string { return fmt.Sprintf("%09s", r.number) }},
		{"name", 1, func(r listCustomer) string { return r.name }},
		{"activity", 2, func(r listCustomer) string { return r.activity }},
		{"id_number", 3, func(r listCustomer) string { return r.id }},
		{"email", 4, func(r listCustomer) string { return r.email }},
		{"phone", 5, func(r listCustomer) string { return r.phone }},
		{"city", 6, func(r listCustomer) string { return r.city }},
	}
	for _, f := range fields {
		for _, desc := range []bool{false, true} {
			order := sortedBy(rows, func(a, b listCustomer) int { return strings.Compare(f.key(a), f.key(b)) }, desc)
			// What the reader sees in the column: the row's name identifies it, ties included.
			var want []string
			for _, r := range order {
				want = append(want, r.name)
			}
			path := "/customers?sort=" + f.sort
			if desc {
				path += "&dir=desc"
			}
			checkWalk(t, c, path, 1, want)
		}
	}
	// The headings are links sorting by their column, and say which one sorts the list.
	body := c.Get("/customers?sort=city&dir=desc").Body
	if !strings.Contains(body, `aria-sort="descending"><a href="/customers?sort=city">Ort`) {
		t.Errorf("the city heading does not say it sorts the list descending")
	}
	for _, s := range []string{"number", "name", "activity", "id_number", "email", "phone"} {
		if !strings.Contains(body, `href="/customers?sort=`+s+`"`) {
			t.Errorf("no heading sorts by %s", s)
		}
	}
}

// TestCustomerListPageSizes: rows per page are 25, 50 or 100, carried by the pager and the sort links;
// anything else is 50.
func TestCustomerListPageSizes(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	c := env.SignedInClient(t, "admin@example.se", true)
	for i := 1; i <= 60; i++ {
		env.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: fmt.Sprintf("Bolag %02d AB", i)})
	}
	for _, tc := range []struct{ query, showing string }{
		{"", "Visar 1–50 av 60"}, {"?size=100", "Visar 1–60 av 60"}, {"?size=25", "Visar 1–25 av 60"},
		{"?size=7", "Visar 1–50 av 60"}, {"?size=100000", "Visar 1–50 av 60"},
	} {
		r := c.Get("/customers" + tc.query)
		if got := shownCount(r.Body); got != tc.showing || len(listRows(r.Body)) != atoiPrefix(tc.showing) {
			t.Errorf("/customers%s: %q with %d rows, want %q", tc.query, got, len(listRows(r.Body)), tc.showing)
		}
	}
	body := c.Get("/customers?size=25&sort=name").Body
	for _, want := range []string{`href="/customers?after=`, `at=26`, `size=25`, `<a href="/customers?size=100&sort=name">100</a>`} {
		if !strings.Contains(html.UnescapeString(body), strings.ReplaceAll(want, "&", "&")) {
			t.Errorf("page 1 of 25 lacks %s", want)
		}
	}
	if !strings.Contains(html.UnescapeString(body), `href="/customers?dir=desc&size=25&sort=name"`) {
		t.Errorf("the sort link drops the page size")
	}
	// The last page is the last 25 rows, counted back from the total.
	if got := shownCount(c.Get("/customers?size=25&page=last").Body); got != "Visar 36–60 av 60" {
		t.Errorf("last page: %q", got)
	}
}

// atoiPrefix is the number of rows a "Visar a–b av n" line claims.
func atoiPrefix(s string) int {
	var a, b, n int
	fmt.Sscanf(strings.Replace(s, "–", " ", 1), "Visar %d %d av %d", &a, &b, &n)
	return b - a + 1
}

// TestCustomerNumberSearchOpensTheCustomer: a search that is exactly one customer's number opens them; a
// number nobody has shows the empty list with "Rensa filter", an empty register offers "Ny kund".
func TestCustomerNumberSearchOpensTheCustomer(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	c := env.SignedInClient(t, "admin@example.se", true)
	r := c.Get("/customers")
	if !strings.Contains(r.Body, "Kundregistret är tomt.") || !strings.Contains(r.Body, `<a class="button" href="/customers/new">Ny kund</a>`) {
		t.Errorf("an empty register does not offer a new customer:\n%s", r.Body)
	}
	reader := env.SignedInClient(t, "reader@example.se", false, authz.CustomerView)
	if r := reader.Get("/customers"); !strings.Contains(r.Body, "Kundregistret är tomt.") || strings.Contains(r.Body, `href="/customers/new">Ny kund`) {
		t.Errorf("a reader is offered a new customer they may not create")
	}
	cu := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Anna Andersson"})
	env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Bo Berg"})
	num := strconv.FormatInt(cu.Number, 10)
	r = c.Get("/customers?q=" + num)
	if r.Status != http.StatusSeeOther || r.Location != testutil.CustomerPath(cu) {
		t.Errorf("q=%s: %d to %q, want 303 to %s", num, r.Status, r.Location, testutil.CustomerPath(cu))
	}
	r = c.Get("/customers?q=99999")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Inga kunder matchar.") ||
		!strings.Contains(r.Body, `<a class="button" href="/customers">Rensa filter</a>`) {
		t.Errorf("q=99999: %d, want the empty list with Rensa filter:\n%s", r.Status, r.Body)
	}
	// A number with the customer filtered away matches none.
	if r := c.Get("/customers?kind=company&q=" + num); r.Status != http.StatusOK || !strings.Contains(r.Body, "Rensa filter") {
		t.Errorf("a filtered-away number: %d", r.Status)
	}
	// The name search still lists.
	if r := c.Get("/customers?q=Anna"); r.Status != http.StatusOK || shownCount(r.Body) != "Visar 1–1 av 1" {
		t.Errorf("q=Anna: %d %q", r.Status, shownCount(r.Body))
	}
}

// TestSupplierListSortsAndPages: the supplier list sorts by its columns both ways and pages 25 at a time.
func TestSupplierListSortsAndPages(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	c := env.SignedInClient(t, "admin@example.se", true)
	if r := c.Get("/suppliers"); !strings.Contains(r.Body, "Inga leverantörer ännu.") || !strings.Contains(r.Body, `href="/suppliers/new">Ny leverantör`) {
		t.Errorf("an empty supplier list offers no new supplier")
	}
	type sup struct{ number, name, email, city string }
	var all []sup
	for i := 1; i <= 60; i++ {
		s := env.MustCreateSupplier(t, domain.SupplierInput{Name: fmt.Sprintf("Lev %03d AB", perm(i, 37)),
			Email: fmt.Sprintf("l%03d@example.se", perm(i, 13)), City: []string{"Umea", "Arboga", "Lund"}[i%3]})
		all = append(all, sup{fmt.Sprintf("%09d", s.Number), s.Name, s.Email, s.City})
	}
	names := func(list []sup) (out []string) {
		for _, s := range list {
			out = append(out, s.name)
		}
		return out
	}
	for _, f := range []struct {
		sort string
		key  func(sup) string
	}{{"number", func(s sup) string { return s.number }}, {"name", func(s sup) string { return s.name }},
		{"email", func(s sup) string { return s.email }}, {"city", func(s sup) string { return s.city }}} {
		for _, desc := range []bool{false, true} {
			path := "/suppliers?sort=" + f.sort
			if desc {
				path += "&dir=desc"
			}
			checkWalk(t, c, path, 1, names(sortedBy(all, func(a, b sup) int { return strings.Compare(f.key(a), f.key(b)) }, desc)))
		}
	}
	if got := shownCount(c.Get("/suppliers?size=100").Body); got != "Visar 1–60 av 60" {
		t.Errorf("size=100: %q", got)
	}
	if got := shownCount(c.Get("/suppliers?size=3").Body); got != "Visar 1–50 av 60" {
		t.Errorf("size=3: %q", got)
	}
	r := c.Get("/suppliers?q=ingen")
	if !strings.Contains(r.Body, "Inga leverantörer matchar.") || !strings.Contains(r.Body, `href="/suppliers">Rensa filter`) {
		t.Errorf("a search matching none offers no way back")
	}
}

// TestUserListSearchesSortsAndPages: the user list searches names and addresses, sorts by name and e-mail
// both ways and pages 25 at a time.
func TestUserListSearchesSortsAndPages(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	c := env.SignedInClient(t, "a000@example.se", true)
	ctx := authz.WithActor(context.Background(), authz.System())
	_ = ctx
	emails := []string{"a000@example.se"}
	for i := 1; i <= 59; i++ {
		e := fmt.Sprintf("a%03d@example.se", perm(i, 13))
		env.MustCreateUser(t, e, false)
		emails = append(emails, e)
	}
	// MustCreateUser names each "User <address>", so name and e-mail order agree; desc reverses.
	slices.Sort(emails)
	checkWalk(t, c, "/users", 1, emails)
	checkWalk(t, c, "/users?sort=email", 1, emails)
	checkWalk(t, c, "/users?sort=name&dir=desc", 1, sortedBy(emails, strings.Compare, true))
	checkWalk(t, c, "/users?sort=email&dir=desc", 1, sortedBy(emails, strings.Compare, true))
	if got := shownCount(c.Get("/users?size=100").Body); got != "Visar 1–60 av 60" {
		t.Errorf("size=100: %q", got)
	}
	if got := shownCount(c.Get("/users?size=99").Body); got != "Visar 1–50 av 60" {
		t.Errorf("size=99: %q", got)
	}
	r := c.Get("/users?q=" + "a017@")
	if rows := listRows(r.Body); len(rows) != 1 || rows[0][1] != "a017@example.se" {
		t.Errorf("search a017@: %q", rows)
	}
	r = c.Get("/users?q=nobody")
	if !strings.Contains(r.Body, "Inga användare matchar.") || !strings.Contains(r.Body, `href="/users">Rensa filter`) {
		t.Errorf("a search matching none offers no way back")
	}
	// The latest sign-in first: the admin signed in, the others never did.
	if rows := listRows(c.Get("/users?sort=last_login").Body); len(rows) == 0 || rows[0][1] != "a000@example.se" {
		t.Errorf("by last sign-in: first %q", rows[0])
	}
}

// TestAuditLogSortsAndPages: the log is newest first, sorts by time, actor and event both ways, and pages
// 25 at a time with each event once.
func TestAuditLogSortsAndPages(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	c := env.SignedInClient(t, "admin@example.se", true)
	for i := 1; i <= 30; i++ {
		env.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: fmt.Sprintf("Bolag %02d AB", i)})
	}
	newest, _ := walkList(t, c, "/audit?size=25", 0)
	if len(newest) < 31 {
		t.Fatalf("%d events", len(newest))
	}
	ids := make([]int, len(newest))
	for i, s := range newest {
		ids[i], _ = strconv.Atoi(s)
	}
	if !slices.IsSortedFunc(ids, func(a, b int) int { return b - a }) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Errorf("newest first: %v", ids)
	}
	asc := slices.Clone(newest)
	slices.Reverse(asc)
	// Reading the log makes no event, so the walks see the same events.
	checkWalk(t, c, "/audit?sort=at&dir=asc", 0, asc)
	checkWalk(t, c, "/audit", 0, newest)
	// By event: each event's rows together, oldest first within.
	events, _ := walkList(t, c, "/audit?sort=event&size=25", 4)
	evIDs, _ := walkList(t, c, "/audit?sort=event&size=25", 0)
	if len(events) != len(newest) {
		t.Fatalf("by event: %d rows, want %d", len(events), len(newest))
	}
	seen := map[string]bool{}
	for i := range events {
		if i > 0 && events[i] != events[i-1] {
			if seen[events[i]] {
				t.Errorf("by event: %q comes twice apart", events[i])
			}
			seen[events[i-1]] = true
		}
	}
	descEv, _ := walkList(t, c, "/audit?sort=event&dir=desc&size=25", 0)
	slices.Reverse(descEv)
	if !slices.Equal(descEv, evIDs) {
		t.Errorf("event desc is not event asc reversed")
	}
	// By actor (the user id column): the system's events (no id) first.
	actors, _ := walkList(t, c, "/audit?sort=actor&size=25", 2)
	if actors[0] != "" || actors[len(actors)-1] == "" {
		t.Errorf("by actor: first %q, last %q", actors[0], actors[len(actors)-1])
	}
	if got := shownCount(c.Get("/audit?size=25&at=26&after=" + newest[24]).Body); got != fmt.Sprintf("Visar 26–%d av %d", min(50, len(newest)), len(newest)) {
		t.Errorf("page 2: %q", got)
	}
	if got := shownCount(c.Get("/audit?size=8").Body); got != fmt.Sprintf("Visar 1–%d av %d", min(50, len(newest)), len(newest)) {
		t.Errorf("size=8: %q", got)
	}
}

// TestErasureRegisterSortsAndPages: the register is newest first, sorts by time and customer number both
// ways, and pages 25 at a time with each entry once.
func TestErasureRegisterSortsAndPages(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	c := env.SignedInClient(t, "admin@example.se", true)
	if r := c.Get("/erasures"); !strings.Contains(r.Body, "Inga raderingar ännu.") {
		t.Errorf("the empty register says nothing")
	}
	ctx := authz.WithActor(context.Background(), authz.System())
	start := env.Clock.Now()
	var numbers []string
	for i := 1; i <= 60; i++ {
		cu := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: fmt.Sprintf("Person %02d", i)})
		numbers = append(numbers, strconv.FormatInt(cu.Number, 10))
	}
	// Erased in a shuffled order, a minute apart: time and number order differ.
	var byTime []string
	for i := 1; i <= 60; i++ {
		n := numbers[perm(i, 37)-1]
		id, _ := strconv.ParseInt(n, 10, 64)
		cu := findCustomer(t, env, id)
		env.Clock.Set(start.Add(time.Duration(i) * time.Minute))
		if _, err := env.Services.GDPR.Anonymise(ctx, cu, gdpr.Input{Confirm: n, Reason: "Begäran"}); err != nil {
			t.Fatal(err)
		}
		byTime = append(byTime, n)
	}
	env.Clock.Set(start) // the admin's session is still fresh
	newestFirst := slices.Clone(byTime)
	slices.Reverse(newestFirst)
	checkWalk(t, c, "/erasures", 3, newestFirst)
	checkWalk(t, c, "/erasures?sort=at&dir=asc", 3, byTime)
	checkWalk(t, c, "/erasures?sort=customer", 3, sortedBy(numbers, strings.Compare, false))
	checkWalk(t, c, "/erasures?sort=customer&dir=desc", 3, sortedBy(numbers, strings.Compare, true))
	if got := shownCount(c.Get("/erasures?size=100").Body); got != "Visar 1–60 av 60" {
		t.Errorf("size=100: %q", got)
	}
	if got := shownCount(c.Get("/erasures?size=x").Body); got != "Visar 1–50 av 60" {
		t.Errorf("size=x: %q", got)
	}
}

// findCustomer is the id of the customer with the number n.
func findCustomer(t *testing.T, env *testutil.Env, n int64) domain.CustomerID {
	t.Helper()
	var id domain.CustomerID
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT id FROM customers WHERE number = $1`, n).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
