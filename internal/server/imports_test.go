package server_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"mime/multipart"
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

// upload posts a file to the import form as a browser does.
func upload(t *testing.T, env *testutil.Env, c *testutil.Client, name string, data []byte) testutil.Response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	f, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(data)
	w.Close()
	req, err := http.NewRequest(http.MethodPost, env.HTTP.URL+"/customers/import", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.Do(req)
}

// TestImportThroughTheForms: a clerk uploads a file from the list's link, the preview names the bad row
// and the erased person by row number with nothing imported, the confirmation starts the job, and the
// page reports what it did. A file that is no table is refused with a message.
func TestImportThroughTheForms(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	ctx := authz.WithActor(context.Background(), authz.System())
	gone := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Gone Raderad", Email: "gone@example.se"})
	if _, err := env.Services.GDPR.Anonymise(ctx, gone.ID, gdpr.Input{Confirm: fmt.Sprint(gone.Number), Reason: "Begäran"}); err != nil {
		t.Fatal(err)
	}
	clerk := env.SignedInClient(t, "clerk@example.se", false, authz.CustomerCreate, authz.CustomerView)
	if list := clerk.Get("/customers"); !strings.Contains(list.Body, `href="/customers/import"`) {
		t.Fatal("the customer list has no link to the import")
	}
	if r := upload(t, env, clerk, "bild.png", []byte("\x89PNG\r\n\x1a\n\x00\x00")); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "Filen saknar en kolumn för namn") && !strings.Contains(r.Body, "Filen har inga rader") {
		t.Fatalf("a file that is no table: %d", r.Status)
	}
	file := "Namn;E-post;Ort\nAnna Ny;anna@example.se;Lund\nBo Fel;bo@;Lund\nGone Raderad;gone@example.se;Lund\n"
	r := upload(t, env, clerk, "kunder.csv", []byte(file))
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/customers/import/") {
		t.Fatalf("upload: %d %s", r.Status, r.Location)
	}
	page := clerk.Get(r.Location)
	body := html.UnescapeString(page.Body)
	for _, s := range []string{"3 rader i filen", "1 rad har fel", "1 rad hålls tillbaka", `id="row-3"`, "E-post:", `id="row-4"`,
		"Uppgifterna liknar en raderad person.", "Importera rad 4 ändå", "Inget är importerat"} {
		if !strings.Contains(body, s) {
			t.Errorf("the preview lacks %q", s)
		}
	}
	if strings.Contains(body, `id="row-2"`) {
		t.Error("the good row is listed as a problem")
	}
	if n := countCustomers(t, env, "Anna Ny"); n != 0 {
		t.Fatal("imported before the confirmation")
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(r.Location, "/customers/import/"), 10, 64)
	if c := clerk.PostForm(r.Location+"/confirm", url.Values{"duplicates": {"skip"}}); c.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d", c.Status)
	}
	if err := env.Services.Imports.Run(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	done := html.UnescapeString(clerk.Get(r.Location).Body)
	if !strings.Contains(done, "Importen är klar.") || !strings.Contains(done, "1 kund skapad") || !strings.Contains(done, "2 rader utelämnade") {
		t.Errorf("the report:\n%s", done)
	}
	if countCustomers(t, env, "Anna Ny") != 1 || countCustomers(t, env, "Gone Raderad") != 0 {
		t.Error("the import did not create exactly the good row")
	}
	other := env.SignedInClient(t, "other@example.se", false, authz.CustomerCreate)
	if o := other.Get(r.Location); o.Status != http.StatusNotFound {
		t.Errorf("another user's import: %d, want 404", o.Status)
	}
}

func countCustomers(t *testing.T, env *testutil.Env, name string) int {
	t.Helper()
	var n int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM customers WHERE name = $1`, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
