package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil"
)

// TestErasingADepartedUserLeavesNoTrace (issue 18, item 4): a user who worked, was renamed and changed
// address, is deactivated and erased by an admin. The audit chain still verifies, the log shows the
// events under "Tidigare användare #id", and no name or address the user had is left anywhere in a
// pg_dump of the data, the erasure register and the bulk jobs the user started included. An active user, the admin themself included, is not erasable, nor is an erased one
// reactivated.
func TestErasingADepartedUserLeavesNoTrace(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Greta Gran", City: "Umeå"})
	bossID, bossPW := env.MustCreateUser(t, "boss@example.se", true)
	admin := env.NewClient(t)
	admin.SignIn("boss@example.se", bossPW)
	const first, name, address = "karin.kanarie@example.se", "Karin Kanarieson", "kanarie.ny@example.se"
	id, pw := env.MustCreateUser(t, first, false, authz.CustomerView, authz.CustomerEdit, authz.CustomerAnonymise, authz.CustomerBulkErase)
	page := "/users/" + strconv.FormatInt(int64(id), 10)
	nameOf := func() string {
		var n string
		if err := env.DB.Pool.QueryRow(context.Background(), `SELECT name FROM users WHERE id = $1`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	mustSee(t, admin.PostForm(page, url.Values{"name": {name}, "email": {address}, "language": {"sv"}}))
	departed := env.NewClient(t)
	departed.SignIn(address, pw)
	if r := departed.Get(customerPath(cust)); r.Status != http.StatusOK {
		t.Fatalf("the user's view of a customer: %d", r.Status)
	}
	mustSee(t, departed.PostForm(customerPath(cust), url.Values{"kind": {"person"}, "name": {"Greta Gran"}, "city": {"Luleå"},
		"country": {"SE"}, "version": {formVersion(t, departed, cust)}}))
	// The erasure register and a bulk job record who asked, under the name the user then had.
	gone := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Olle Ordinär", City: "Kiruna"})
	mustSee(t, departed.PostForm(customerPath(gone)+"/anonymise", url.Values{"confirm": {strconv.FormatInt(gone.Number, 10)}, "reason": {"Begäran"}}))
	if r := departed.PostForm("/crm/bulk", url.Values{"city": {"Luleå"}, "all": {"yes"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("the user's bulk draft: %d", r.Status)
	}

	if r := admin.PostForm(page+"/erase", url.Values{"confirm": {"yes"}}); r.Status != http.StatusConflict {
		t.Errorf("erasing an active user: %d, want 409", r.Status)
	}
	mustSee(t, admin.PostForm(page+"/deactivate", url.Values{"confirm": {"yes"}}))
	if body := admin.Get(page).Body; !strings.Contains(body, `action="`+page+`/erase"`) {
		t.Fatalf("the deactivated user's page does not offer to erase:\n%s", body)
	}
	if r := admin.PostForm(page+"/erase", nil); r.Status != http.StatusSeeOther || nameOf() != name {
		t.Errorf("an erasure without the box ticked: %d, name now %q", r.Status, nameOf())
	}
	// Before: the dump holds every trace looked for below (so their absence after means something).
	before := strings.ToLower(string(testutil.PGTool(t, "pg_dump", "--data-only", "--dbname="+env.DBURL)))
	for _, trace := range []string{first, name, address} {
		if !strings.Contains(before, strings.ToLower(trace)) {
			t.Fatalf("the dump before the erasure lacks %q", trace)
		}
	}
	mustSee(t, admin.PostForm(page+"/erase", url.Values{"confirm": {"yes"}}))

	placeholder := "Tidigare användare #" + strconv.FormatInt(int64(id), 10)
	if got := admin.Get(page).Body; !strings.Contains(got, placeholder) || strings.Contains(got, `action="`+page+`/activate"`) {
		t.Errorf("the erased user's page does not show %q, or offers reactivation", placeholder)
	}
	if r := admin.PostForm(page+"/activate", nil); r.Status != http.StatusConflict {
		t.Errorf("reactivating an erased user: %d, want 409", r.Status)
	}
	if log := admin.Get("/audit").Body; !strings.Contains(log, placeholder) {
		t.Errorf("the audit log does not name the user's events by the placeholder")
	}
	if _, err := audit.Verify(context.Background(), env.DB.Pool); err != nil {
		t.Errorf("the audit chain after the erasure: %v", err)
	}
	dump := strings.ToLower(string(testutil.PGTool(t, "pg_dump", "--data-only", "--dbname="+env.DBURL)))
	for _, trace := range []string{first, name, address, "kanarie"} {
		if strings.Contains(dump, strings.ToLower(trace)) {
			t.Errorf("pg_dump still holds %q", trace)
		}
	}
	// The admin is active, so never erasable: the last admin stays.
	self := "/users/" + strconv.FormatInt(int64(bossID), 10)
	if r := admin.PostForm(self+"/erase", url.Values{"confirm": {"yes"}}); r.Status != http.StatusConflict {
		t.Errorf("an admin erasing themself: %d, want 409", r.Status)
	}
}
