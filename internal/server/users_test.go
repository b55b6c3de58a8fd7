package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/testutil"
)

func TestAdminGrantsAndRevokesPermissions(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	_, adminPW := env.MustCreateUser(t, "admin@example.se", true)
	evaID, evaPW := env.MustCreateUser(t, "eva@example.se", false, authz.UserView)
	page := "/users/" + strconv.FormatInt(int64(evaID), 10)

	eva := env.NewClient(t)
	eva.SignIn("eva@example.se", evaPW)
	if r := eva.Get(page); r.Status != http.StatusOK || !strings.Contains(r.Body, "<fieldset class=\"perms\" disabled") {
		t.Fatalf("a user with view users sees %d and an editable form; want the form read-only", r.Status)
	}
	if r := eva.Get("/audit"); r.Status != http.StatusForbidden {
		t.Fatalf("eva on the audit log before the grant: %d", r.Status)
	}

	admin := env.NewClient(t)
	admin.SignIn("admin@example.se", adminPW)
	r := admin.PostForm(page+"/permissions", url.Values{"permission": {"user.view", "audit.view"}})
	if r.Status != http.StatusSeeOther || r.Location != page {
		t.Fatalf("saving permissions: %d %q", r.Status, r.Location)
	}
	if r := admin.Get(page); !strings.Contains(r.Body, `value="audit.view" checked`) || !strings.Contains(r.Body, "Behörigheterna är sparade.") {
		t.Fatal("the page after saving does not show the new permission checked and the confirmation")
	}
	// Takes effect on eva's next request, without signing in again.
	if r := eva.Get("/audit"); r.Status != http.StatusOK {
		t.Fatalf("eva on the audit log after the grant: %d", r.Status)
	}
	if r := eva.Get("/audit"); !strings.Contains(html.UnescapeString(r.Body), `"granted":["audit.view"]`) {
		t.Fatal("the audit log does not show which permission was granted")
	}
	admin.PostForm(page+"/permissions", url.Values{})
	if r := eva.Get("/users"); r.Status != http.StatusForbidden {
		t.Fatalf("eva after every permission was revoked: %d", r.Status)
	}
	var n int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM user_permissions WHERE user_id = $1`, evaID).Scan(&n); err != nil || n != 0 {
		t.Fatalf("permissions left: %d (%v)", n, err)
	}
}
