package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/affar/affar/internal/testutil"
)

// TestStaticFolderIsNotListed: /static/ serves files, never a listing of a folder.
func TestStaticFolderIsNotListed(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	c := env.NewClient(t)
	for _, path := range []string{"/static/", "/static/css/", "/static/css", "/static/js/", "/static/./", "/static/js/../"} {
		r := c.Get(path)
		if r.Status != http.StatusNotFound || listing(r.Body) {
			t.Errorf("%s: %d, want 404 and no listing:\n%s", path, r.Status, r.Body)
		}
	}
	if r := c.Get("/static/css/app.css"); r.Status != http.StatusOK {
		t.Errorf("the stylesheet: %d", r.Status)
	}
}

// listing reports whether body is net/http's listing of a folder of web/static.
func listing(body string) bool {
	for _, entry := range []string{`href="app.css"`, `href="css/"`, `href="htmx.min.js"`, `href="favicon.svg"`} {
		if strings.Contains(body, entry) {
			return true
		}
	}
	return false
}
