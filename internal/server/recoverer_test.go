package server

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

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
