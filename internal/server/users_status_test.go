package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil"
)

// statusCell is the status cell of name's row in the user list.
func statusCell(t *testing.T, c *testutil.Client, name string) string {
	t.Helper()
	body := c.Get("/users").Body
	i := strings.Index(body, ">"+name+"</a></td>")
	if i < 0 {
		t.Fatalf("%s is not in the list", name)
	}
	m := regexp.MustCompile(`<span class="status[^"]*">([^<]*)</span>`).FindStringSubmatch(body[i:])
	if m == nil {
		t.Fatalf("%s's row has no status", name)
	}
	return m[1]
}

// TestUserStatusColumn: the list says Aktiv, Inaktiv, "Inbjuden, länken gäller till …" and, from the
// minute of expiry, that the invitation has run out; an inactive user shows no expiry, in the list or on
// their page.
func TestUserStatusColumn(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	env.Clock.Set(time.Date(2026, 11, 30, 14, 0, 0, 0, domain.Stockholm))
	_, pw := env.MustCreateUser(t, "boss@example.se", true)
	admin := env.NewClient(t)
	admin.SignIn("boss@example.se", pw)
	for _, name := range []string{"Nora Ny", "Ivar Inaktiv"} {
		if r := admin.PostForm("/users", url.Values{"name": {name}, "email": {strings.Fields(name)[0] + "@example.se"}}); r.Status != http.StatusOK {
			t.Fatalf("invite %s: %d", name, r.Status)
		}
	}
	if got := statusCell(t, admin, "User boss@example.se"); got != "Aktiv" {
		t.Errorf("a signed-up admin: %q, want Aktiv", got)
	}
	if got := statusCell(t, admin, "Nora Ny"); got != "Inbjuden, länken gäller till 2026-12-03 14:00" {
		t.Errorf("an invited user: %q", got)
	}
	ivar, err := env.Services.Users.IDByEmail(authz.WithActor(context.Background(), authz.System()), "ivar@example.se")
	if err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/users/%d", ivar)
	if r := admin.PostForm(page+"/deactivate", url.Values{"confirm": {"yes"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("deactivate: %d", r.Status)
	}
	if got := statusCell(t, admin, "Ivar Inaktiv"); got != "Inaktiv" {
		t.Errorf("an inactive invited user: %q, want Inaktiv", got)
	}
	if body := admin.Get(page).Body; !strings.Contains(body, ">Inaktiv</span>") || strings.Contains(body, "gäller till") {
		t.Error("the inactive user's page does not say Inaktiv, or shows an invitation expiry")
	}
	// The link works while the clock is before its expiry, so at that second it has run out.
	env.Clock.Set(time.Date(2026, 12, 3, 14, 0, 0, 0, domain.Stockholm))
	admin.SignIn("boss@example.se", pw)
	if got := statusCell(t, admin, "Nora Ny"); got != "Inbjudan har gått ut" {
		t.Errorf("an invitation at its expiry: %q, want Inbjudan har gått ut", got)
	}
}

// TestPermissionPresetAndSaveMessages: a preset says nothing is saved yet, in a neutral notice; a save
// names what it granted and revoked in the catalogue's words; a save that changes nothing says so.
func TestPermissionPresetAndSaveMessages(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	admin := env.SignedInClient(t, "boss@example.se", true)
	evaID, _ := env.MustCreateUser(t, "eva@example.se", false, authz.CustomerExport)
	page := fmt.Sprintf("/users/%d", evaID)
	r := admin.Get(page + "?preset=sales")
	if !strings.Contains(r.Body, `<p class="flash flash-info" role="status">Förvalet Försäljning är ifyllt. Inget är sparat förrän du sparar.</p>`) {
		t.Error("the preset does not say, neutrally, that nothing is saved yet")
	}
	r = admin.PostForm(page+"/permissions", url.Values{"permission": {"customer.view", "supplier.view"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d", r.Status)
	}
	want := "Behörigheter sparade: lade till Visa kund, Visa leverantör; tog bort Export av kundregister."
	if body := admin.Get(page).Body; !strings.Contains(body, want) {
		t.Errorf("the page after saving does not say %q", want)
	}
	admin.PostForm(page+"/permissions", url.Values{"permission": {"customer.view", "supplier.view"}})
	if body := admin.Get(page).Body; !strings.Contains(body, "Inget ändrades.") || strings.Contains(body, "Behörigheter sparade") {
		t.Error("a save that changed nothing does not say Inget ändrades.")
	}
	admin.PostForm("/language", url.Values{"language": {"en"}})
	admin.PostForm(page+"/permissions", url.Values{"permission": {"customer.view"}})
	if body := admin.Get(page).Body; !strings.Contains(body, "Permissions saved: removed View supplier.") {
		t.Error("the English message does not name the change in English")
	}
}

// TestDeactivateApartFromAdminRole: deactivation is a box of its own, marked dangerous, apart from the
// administrator role, and locks nobody out until its box is ticked.
func TestDeactivateApartFromAdminRole(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	admin := env.SignedInClient(t, "boss@example.se", true)
	evaID, _ := env.MustCreateUser(t, "eva@example.se", false)
	page := fmt.Sprintf("/users/%d", evaID)
	body := admin.Get(page).Body
	sections := regexp.MustCompile(`(?s)<section class="([^"]*)"[^>]*>(.*?)</section>`).FindAllStringSubmatch(body, -1)
	var deactivate, role string
	for _, s := range sections {
		if strings.Contains(s[2], page+"/deactivate") {
			deactivate = s[1] + " " + s[2]
		}
		if strings.Contains(s[2], page+"/admin") {
			role = s[2]
		}
	}
	if !strings.Contains(deactivate, "danger-zone") || !strings.Contains(deactivate, `class="danger"`) {
		t.Errorf("deactivation is not in a box of its own marked dangerous: %q", deactivate)
	}
	if role == "" || strings.Contains(role, "/deactivate") || strings.Contains(deactivate, "/admin") {
		t.Error("the administrator role and deactivation share a box")
	}
	if r := admin.PostForm(page+"/deactivate", url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("deactivate without the box ticked: %d", r.Status)
	}
	if body := admin.Get(page).Body; !strings.Contains(body, "Kryssa i rutan för att bekräfta.") || !strings.Contains(body, ">Aktiv</span>") {
		t.Error("deactivation without confirming did not ask for it, or went through")
	}
}
