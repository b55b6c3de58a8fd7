// Package web holds the static files served under /static/: the stylesheet and vendored htmx.
package web

import (
	"embed"
	"io/fs"
)

//go:embed static
var files embed.FS

// Static is the static/ folder, served as /static/.
var Static, _ = fs.Sub(files, "static")
