package server

import (
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/affar/affar/web"
)

// staticFiles serves the files of web/static under /static/. A folder is not found, like anything else
// that is no file there: net/http would list it.
func (s *Server) staticFiles() http.HandlerFunc {
	files := http.StripPrefix("/static/", http.FileServerFS(web.Static))
	return func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(path.Clean(r.URL.Path), "/static/")
		if st, err := fs.Stat(web.Static, name); !ok || err != nil || !st.Mode().IsRegular() {
			w.Header().Set("Cache-Control", "no-store") // the page names the signed-in user
			s.notFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	}
}
