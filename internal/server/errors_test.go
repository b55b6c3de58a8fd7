package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// The server's own failures (a panic, a session store that fails) answer 500 and are logged; nothing
// internal reaches the client.

func TestPanicGives500WithRequestIDAndNothingInternal(t *testing.T) {
	log := &lockedBuffer{}
	s := &Server{Deps: Deps{Log: slog.New(slog.NewTextHandler(log, nil))}}
	h := requestID(s.recoverer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("secret internal detail")
	})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))

	id := rec.Header().Get("X-Request-Id")
	if rec.Code != http.StatusInternalServerError || id == "" || !strings.Contains(rec.Body.String(), id) {
		t.Fatalf("status %d, request id %q: want 500 naming the request id", rec.Code, id)
	}
	if strings.Contains(rec.Body.String(), "secret internal detail") {
		t.Fatal("the panic value reached the client")
	}
	if !strings.Contains(log.String(), id) || !strings.Contains(log.String(), "secret internal detail") {
		t.Fatal("the panic was not logged with the request id")
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// TestPanicDuringAStreamBreaksTheConnection: a download that panics half-way must not end like a complete
// file with an error page appended; the connection is broken so the client sees it is cut short.
func TestPanicDuringAStreamBreaksTheConnection(t *testing.T) {
	log := &lockedBuffer{}
	s := &Server{Deps: Deps{Log: slog.New(slog.NewTextHandler(log, nil))}}
	srv := httptest.NewServer(requestID(s.recoverer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		_, _ = w.Write([]byte("first;row\n"))
		_ = http.NewResponseController(w).Flush()
		panic("the database went away")
	}))))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil {
		t.Fatalf("the cut-short download ended normally: %q", body)
	}
	if strings.Contains(string(body), "<html") {
		t.Fatal("an error page was appended to the file")
	}
	if !strings.Contains(log.String(), "the database went away") {
		t.Fatal("the panic was not logged")
	}
}

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
