// Package program finds the outside programs tests check Affär's output with (Chromium, poppler,
// Gnumeric, LibreOffice, unzip…). Without one a test skips, unless REQUIRE_BROWSER=1 (make test, CI) makes
// a missing program a failure.
package program

import (
	"os"
	"os/exec"
	"testing"
)

// Find returns the path of the program name, from Debian's package debianPackage.
func Find(t testing.TB, name, debianPackage string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	Missing(t, name, debianPackage)
	return ""
}

// Missing ends a test that lacks what, from Debian's package debianPackage: a failure under
// REQUIRE_BROWSER=1, a skip otherwise.
func Missing(t testing.TB, what, debianPackage string) {
	t.Helper()
	if os.Getenv("REQUIRE_BROWSER") == "1" {
		t.Fatalf("no %s found and REQUIRE_BROWSER=1 (install Debian's %s)", what, debianPackage)
	}
	t.Skipf("no %s found (install Debian's %s, or set REQUIRE_BROWSER=1 to fail instead)", what, debianPackage)
}
