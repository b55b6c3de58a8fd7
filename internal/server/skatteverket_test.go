package server_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/testutil"
	"github.com/affar/affar/internal/testutil/skatteverket"
)

// everyNth thins the test numbers with a full birth date for the HTTP test. Posting all 130,000 written
// forms costs minutes; domain's TestSkatteverketTestNumbers runs every one of them through
// CustomerInput.Validate, the function this form calls, so this test shows the form path (router,
// handler, service, database) does the same with a deterministic sample: every number with an unknown
// month or day in each of its forms, the refused ones, and one in every everyNth of the rest, its forms
// taken in turn.
const everyNth = 50

// Done when (issue 12): Skatteverket's official test personnummer and samordningsnummer, typed into the
// customer form over the real router with a real database, are stored in the canonical form; the invalid
// numbers the issue names are refused with the message for their fault, and nothing is stored for them.
func TestSkatteverketNumbersThroughTheCustomerForm(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) // 1926's births write "+" this year
	env.Clock.Set(now)
	c := env.SignedInClient(t, "clerk@example.se", false, authz.CustomerCreate)

	lists := skatteverket.Load(t, filepath.Join("..", "domain", "testdata"))
	stored := map[string]string{} // customer name → the number the form must store
	accept := func(form, canonical string) {
		name := fmt.Sprintf("Testperson %d", len(stored)+1)
		r := c.PostForm("/customers", url.Values{"kind": {"person"}, "name": {name}, "id_number": {form}})
		if r.Status != http.StatusSeeOther {
			t.Errorf("%q: status %d, want 303 (created)", form, r.Status)
			return
		}
		stored[name] = canonical
	}
	refuse := func(kind, form, message string) {
		r := c.PostForm("/customers", url.Values{"kind": {kind}, "name": {"Refused"}, "id_number": {form}})
		sv, en := i18n.Text(message)
		body := html.UnescapeString(r.Body)
		if r.Status != http.StatusUnprocessableEntity || !(strings.Contains(body, sv) || strings.Contains(body, en)) {
			t.Errorf("%s %q: status %d, want 422 saying %q", kind, form, r.Status, sv)
		}
	}

	var full []string
	partial := 0
	for _, n := range append(lists.Personnummer, lists.Samordningsnummer...) {
		forms := skatteverket.WrittenForms(t, n, now)
		switch {
		case skatteverket.ImpossibleDates[n]:
			refuse("person", forms[2], "error.personnummer.date")
		case skatteverket.PartialDate(n):
			partial++
			for _, form := range forms {
				accept(form, skatteverket.Canonical(n))
			}
		default:
			full = append(full, n)
		}
	}
	for i := 0; i < len(full); i += everyNth {
		accept(skatteverket.WrittenForms(t, full[i], now)[i/everyNth%3], skatteverket.Canonical(full[i]))
	}
	for _, tc := range []struct{ kind, form, message string }{
		{"person", "20150916-0006", "error.personnummer.serial"},
		{"person", "1 9 0 9 0 5 2 7 1 4 7 4", "error.personnummer.space"},
		{"person", "090527 1474", "error.personnummer.space"},
		{"company", "0021000005", "error.orgnumber.group"},
	} {
		refuse(tc.kind, tc.form, tc.message)
	}

	rows, err := env.DB.Pool.Query(context.Background(), `SELECT name, id_number FROM customers`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for rows.Next() {
		var name, number string
		if err := rows.Scan(&name, &number); err != nil {
			t.Fatal(err)
		}
		got[name] = number
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for name, want := range stored {
		if got[name] != want {
			t.Errorf("%s: stored %q, want %q", name, got[name], want)
		}
	}
	if len(got) != len(stored) || partial != 170 || len(stored) < 3*partial+len(full)/everyNth {
		t.Fatalf("%d customers stored, %d posted as valid, %d with an unknown month or day: want them equal and all read",
			len(got), len(stored), partial)
	}
}
