package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestSessionErrors: a session store failure is a 500 logged once, in the server's log; a session that
// could not be saved because the client went away is logged not at all (the access line records it).
func TestSessionErrors(t *testing.T) {
	log := &lockedBuffer{}
	s := &Server{Deps: Deps{Log: slog.New(slog.NewTextHandler(log, nil))}}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := httptest.NewRecorder()
	s.sessionFailed(rec, httptest.NewRequest(http.MethodGet, "/", nil).WithContext(ctx), ctx.Err())
	if log.String() != "" || rec.Body.Len() != 0 {
		t.Fatalf("a client that went away: logged %q, answered %q", log.String(), rec.Body.String())
	}

	rec = httptest.NewRecorder()
	s.sessionFailed(rec, httptest.NewRequest(http.MethodGet, "/", nil), errors.New("store down"))
	if rec.Code != http.StatusInternalServerError || strings.Count(log.String(), "level=ERROR") != 1 ||
		!strings.Contains(log.String(), "store down") {
		t.Fatalf("a store failure: %d, logged %q", rec.Code, log.String())
	}
}
