package app

import (
	"slices"
	"testing"
)

// dev exec points a command at make run's database unless --db names another (make test: postgres).
func TestExecArgs(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		db      string
		durable bool
		cmd     []string
		ok      bool
	}{
		{[]string{"--", "bin/affar", "user", "permissions"}, "affar", false, []string{"bin/affar", "user", "permissions"}, true},
		{[]string{"psql"}, "affar", false, []string{"psql"}, true},
		{[]string{"--db", "postgres", "--", "go", "test"}, "postgres", false, []string{"go", "test"}, true},
		{[]string{"--db", "affar_bench", "psql"}, "affar_bench", false, []string{"psql"}, true},
		{[]string{"--"}, "affar", false, nil, false},
		{[]string{"--db", "--", "psql"}, "", false, nil, false},
		{nil, "affar", false, nil, false},
		{[]string{"--durable", "--db", "postgres", "--", "bin/affar-bench"}, "postgres", true, []string{"bin/affar-bench"}, true},
	} {
		db, durable, cmd, ok := execArgs(tc.args)
		if ok != tc.ok || (ok && (db != tc.db || durable != tc.durable || !slices.Equal(cmd, tc.cmd))) {
			t.Errorf("execArgs(%q) = %q, %v, %q, %v; want %q, %v, %q, %v", tc.args, db, durable, cmd, ok, tc.db, tc.durable, tc.cmd, tc.ok)
		}
	}
}
