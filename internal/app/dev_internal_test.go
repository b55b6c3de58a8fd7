package app

import (
	"slices"
	"testing"
)

// dev exec points a command at make run's database unless --db names another (make test: postgres).
func TestExecArgs(t *testing.T) {
	for _, tc := range []struct {
		args []string
		db   string
		cmd  []string
		ok   bool
	}{
		{[]string{"--", "bin/affar", "user", "permissions"}, "affar", []string{"bin/affar", "user", "permissions"}, true},
		{[]string{"psql"}, "affar", []string{"psql"}, true},
		{[]string{"--db", "postgres", "--", "go", "test"}, "postgres", []string{"go", "test"}, true},
		{[]string{"--db", "affar_bench", "psql"}, "affar_bench", []string{"psql"}, true},
		{[]string{"--"}, "affar", nil, false},
		{[]string{"--db", "--", "psql"}, "", nil, false},
		{nil, "affar", nil, false},
	} {
		db, cmd, ok := execArgs(tc.args)
		if ok != tc.ok || (ok && (db != tc.db || !slices.Equal(cmd, tc.cmd))) {
			t.Errorf("execArgs(%q) = %q, %q, %v; want %q, %q, %v", tc.args, db, cmd, ok, tc.db, tc.cmd, tc.ok)
		}
	}
}
