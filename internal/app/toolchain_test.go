package app_test

import (
	"os"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// TestOneToolchainEverywhere: go.mod's toolchain line is the Go release Affär is built and tested with
// (older ones have reachable standard-library vulnerabilities, make vulncheck), and every build path says
// the same: the Makefile, .ci/run, the Docker build image, the README, and the go running these tests.
func TestOneToolchainEverywhere(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile("../../" + name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	m := regexp.MustCompile(`(?m)^toolchain (go(\d+\.\d+\.\d+))$`).FindStringSubmatch(read("go.mod"))
	if m == nil {
		t.Fatal("go.mod has no toolchain line naming a release (toolchain go1.x.y)")
	}
	toolchain, version := m[1], m[2]
	for file, want := range map[string][]string{
		"Makefile":   {"export GOTOOLCHAIN := " + toolchain + "\n"},
		".ci/run":    {"export GOTOOLCHAIN=" + toolchain + "\n"},
		"Dockerfile": {"FROM golang:" + version + "-", "GOTOOLCHAIN=" + toolchain},
		"README.md":  {"GOTOOLCHAIN=" + toolchain, "Go " + version},
	} {
		text := read(file)
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s does not say %q (go.mod's toolchain is %s)", file, strings.TrimSpace(w), toolchain)
			}
		}
	}
	if runtime.Version() != toolchain {
		t.Errorf("the tests run on %s, not %s: export GOTOOLCHAIN=%s", runtime.Version(), toolchain, toolchain)
	}
}
