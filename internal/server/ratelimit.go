package server

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/affar/affar/internal/i18n"
)

// limiter is a token bucket per key: a signed-in session, or the client address of anonymous requests. It
// lives in memory, so each server counts the requests it serves.
type limiter struct {
	rate  float64 // tokens a second
	burst float64

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens  float64
	at      time.Time // when tokens was last brought up to date
	limited bool      // the last request was refused
}

func newLimiter(rate float64, burst int) *limiter {
	return &limiter{rate: rate, burst: float64(burst), buckets: map[string]*bucket{}}
}

// take spends one of key's tokens at now. Without one it returns how long until there is one, and whether
// this refusal is the first after requests were served.
func (l *limiter) take(key string, now time.Time) (wait time.Duration, firstRefusal bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		l.sweep(now)
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	if d := now.Sub(b.at); d > 0 { // a clock set back refills nothing
		b.tokens, b.at = min(l.burst, b.tokens+d.Seconds()*l.rate), now
	}
	if b.tokens >= 1 {
		b.tokens--
		b.limited = false
		return 0, false
	}
	first := !b.limited
	b.limited = true
	return time.Duration((1 - b.tokens) / l.rate * float64(time.Second)), first
}

// sweep forgets the buckets that are full again, so the map holds only keys that were busy lately.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
	l.swept = now
}

// sessionLang caches the signed-in user's interface language in the session, so a refused request is
// answered in it without reading the user from the database.
const sessionLang = "lang"

// rateLimit answers 429 with Retry-After to a session, or an anonymous client address, that sends more
// than its burst at once or more than the configured rate for long. It runs before the acting user is
// read, so a refused request costs the session lookup and nothing more. The probes are not counted. It
// measures real time (the monotonic clock), not the services' clock: it counts requests a second.
func (s *Server) rateLimit(next http.Handler) http.Handler {
	l := newLimiter(s.Config.RateLimit, s.Config.RateBurst)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		key, kind := "s:"+s.Sessions.GetString(ctx, sessionID), "session"
		if key == "s:" {
			key, kind = "a:"+s.clientAddr(r), "client address"
		}
		wait, first := l.take(key, time.Now())
		if wait == 0 {
			next.ServeHTTP(w, r)
			return
		}
		if first {
			s.Log.Warn("request rate limit reached", "request_id", RequestID(ctx), "per", kind)
		}
		lang := s.Sessions.GetString(ctx, sessionLang)
		if lang == "" {
			lang = i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))
		}
		r = r.WithContext(i18n.WithLang(ctx, lang))
		secs := max(int(math.Ceil(wait.Seconds())), 1)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		s.renderError(w, r, http.StatusTooManyRequests, i18n.N(r.Context(), "ratelimit.retry", secs))
	})
}
