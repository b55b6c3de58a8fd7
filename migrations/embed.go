// Package migrations holds the SQL schema, applied in order by golang-migrate.
package migrations

import "embed"

// FS holds every NNNNNN_verb_object.{up,down}.sql file.
//
//go:embed *.sql
var FS embed.FS
