package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil"
)

// TestFlashColourSaysWhatHappened: the message after a POST is coloured by what it reports, a bulk action
// with nothing ticked as a warning (announced at once), a saved change as a success.
func TestFlashColourSaysWhatHappened(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Kim Kund"})
	c := env.SignedInClient(t, "bulk@example.se", false, authz.CustomerView, authz.CustomerBulkErase, authz.CustomerAnonymise)

	r := c.PostForm("/crm/bulk", url.Values{"all": {""}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("bulk with nothing ticked: %d, want 303", r.Status)
	}
	if page := c.Get(r.Location); !strings.Contains(page.Body, `<p class="flash flash-warning" role="alert">Markera kunder, eller välj alla som matchar.</p>`) {
		t.Errorf("nothing ticked is not a warning:\n%s", page.Body)
	}

	r = c.PostForm("/language", url.Values{"language": {"sv"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("language: %d, want 303", r.Status)
	}
	if page := c.Get(r.Location); !strings.Contains(page.Body, `<p class="flash flash-ok" role="status">Språket är sparat.</p>`) {
		t.Errorf("a saved change is not a success:\n%s", page.Body)
	}
}
