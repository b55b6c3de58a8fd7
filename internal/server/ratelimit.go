package server

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/i18n"
)

// limiter is a token bucket per key: a signed-in session, or the client address of anonymous requests. It
// lives in memory, so each server counts the requests it serves.
type limiter struct {
	rate  float64 // tokens a second
	burst float64
	debt  float64 // tokens a bucket may owe: requests beyond the burst wait up to maxDelay instead of failing

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

// maxDelay is the longest a request waits for its turn, and how long a refused one waits for its answer.
const maxDelay = time.Second

type bucket struct {
	tokens  float64
	at      time.Time // when tokens was last brought up to date
	limited bool      // the last request was refused
}

func newLimiter(rate float64, burst int) *limiter {
	return &limiter{rate: rate, burst: float64(burst), debt: rate * maxDelay.Seconds(), buckets: map[string]*bucket{}}
}

// take spends one of key's tokens at now. A request that finds none borrows one, if the bucket owes less
// than maxDelay's worth, and is to be served after delay. Otherwise it is refused: retry says when a
// token will be there, firstRefusal whether requests were served until now.
func (l *limiter) take(key string, now time.Time) (delay, retry time.Duration, firstRefusal bool) {
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
	if b.tokens-1 >= -l.debt {
		b.tokens--
		b.limited = false
		return max(l.seconds(-b.tokens), 0), 0, false
	}
	first := !b.limited
	b.limited = true
	return 0, l.seconds(1 - b.tokens), first
}

// seconds is how long n tokens take to come.
func (l *limiter) seconds(n float64) time.Duration {
	return time.Duration(n / l.rate * float64(time.Second))
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

// maxPaused is how many refused requests may wait for their answer at once; beyond, they get it at once.
const maxPaused = 1000

// rateLimits keeps each session, each user (over all their sessions) and each client address of
// anonymous requests to AFFAR_RATE_BURST requests at once and AFFAR_RATE_LIMIT a second. A request just
// beyond waits its turn (up to a second); one further beyond gets 429 with Retry-After, after a second's
// pause, so that a client flooding the server gets an answer a second on each of its connections instead
// of thousands, and each answer costs a sleeping goroutine. The probes are not counted. It measures real
// time (the monotonic clock), not the services' clock: it counts requests a second.
type rateLimits struct {
	buckets *limiter
	paused  chan struct{}
}

func newRateLimits(rate float64, burst int) *rateLimits {
	return &rateLimits{buckets: newLimiter(rate, burst), paused: make(chan struct{}, maxPaused)}
}

// rateLimit counts a request against its session, or its client address, before the acting user is read,
// so a refused request costs the session lookup and nothing more.
func (s *Server) rateLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, kind := "s:"+s.Sessions.GetString(r.Context(), sessionID), "session"
		if key == "s:" {
			key, kind = "a:"+s.clientAddr(r), "client address"
		}
		if s.limited(w, r, key, kind) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

// rateLimitUser counts a signed-in request against its user too: a user who signs in many times has one
// allowance, not one per session.
func (s *Server) rateLimitUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a, ok := authz.ActorFrom(r.Context()); ok && s.limited(w, r, "u:"+strconv.FormatInt(int64(a.UserID), 10), "user") {
			return
		}
		next.ServeHTTP(w, r)
	})
}

// limited takes a token of key for r, waiting its turn if it must. It reports true when r has been
// answered instead: 429, or nothing for a client that went away while it waited.
func (s *Server) limited(w http.ResponseWriter, r *http.Request, key, kind string) bool {
	if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
		return false
	}
	ctx := r.Context()
	delay, retry, first := s.limits.buckets.take(key, time.Now())
	if retry == 0 {
		return delay != 0 && !pause(r, delay)
	}
	if first {
		s.Log.Warn("request rate limit reached", "request_id", RequestID(ctx), "per", kind)
	}
	select {
	case s.limits.paused <- struct{}{}:
		ok := pause(r, min(retry, maxDelay))
		<-s.limits.paused
		if !ok {
			return true // the access log records 499
		}
	default:
	}
	if _, ok := authz.ActorFrom(ctx); !ok { // before the user is read: the language loadActor would set
		lang := s.Sessions.GetString(ctx, sessionLang)
		if lang == "" {
			lang = i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))
		}
		r = r.WithContext(i18n.WithLang(ctx, lang))
	}
	secs := max(int(math.Ceil(retry.Seconds())), 1)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	s.renderError(w, r, http.StatusTooManyRequests, i18n.N(r.Context(), "ratelimit.retry", secs))
	return true
}

// pause waits d, or until the client goes away (false).
func pause(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}
