package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/i18n"
)

// limiter is a token bucket per key: a session, a user or the client address of anonymous requests. It
// lives in memory, so each server counts the requests it serves.
type limiter struct {
	rate  float64 // tokens a second
	burst float64
	debt  float64 // tokens a bucket may owe: requests beyond the burst wait up to maxDelay instead of failing
	// parallel is how many requests of a key are served at a time; the next wait for one to end (up to
	// maxDelay). A burst is then served a few at a time: each request holds one of the few database
	// connections (four on two cores) while it reads, and a hundred requests of one user arriving
	// together took them all, and the cores, from everybody else (make bench-denials).
	parallel int

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

// maxDelay is the longest a request waits for its turn, and about how long a refused one waits for its
// answer.
const maxDelay = time.Second

type bucket struct {
	slots   chan struct{} // one per request of this key in progress (see parallel)
	tokens  float64
	at      time.Time // when tokens was last brought up to date
	limited bool      // the last request was refused
	// Of a session's bucket: its user's key and language, so that its next requests are counted and
	// answered before the session and the user are read from the database.
	user, lang string
}

func newLimiter(rate float64, burst, parallel int) *limiter {
	return &limiter{rate: rate, burst: float64(burst), debt: rate * maxDelay.Seconds(), parallel: parallel,
		buckets: map[string]*bucket{}}
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
	b := l.get(key, now)
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

// session returns the user key and language bound to a session's key, if any.
func (l *limiter) session(key string) (user, lang string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[key]; ok {
		return b.user, b.lang
	}
	return "", ""
}

// bind notes a session's user key and language on its bucket.
func (l *limiter) bind(key, user, lang string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.get(key, now)
	b.user, b.lang = user, lang
}

// get is key's bucket, a full one if it had none (the caller holds mu).
func (l *limiter) get(key string, now time.Time) *bucket {
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.burst, at: now, slots: make(chan struct{}, l.parallel)}
		l.buckets[key] = b
	}
	return b
}

// seconds is how long n tokens take to come.
func (l *limiter) seconds(n float64) time.Duration {
	return time.Duration(n / l.rate * float64(time.Second))
}

// enter waits for a slot of key's requests in progress, up to maxDelay (false: none came, or the client
// went away), and returns the function that gives it back.
func (l *limiter) enter(r *http.Request, key string, now time.Time) (leave func(), ok bool) {
	l.mu.Lock()
	slots := l.get(key, now).slots
	l.mu.Unlock()
	leave = func() { <-slots }
	select { // a free slot is taken without a timer, also by a request whose client has gone
	case slots <- struct{}{}:
		return leave, true
	default:
	}
	t := time.NewTimer(maxDelay)
	defer t.Stop()
	select {
	case slots <- struct{}{}:
		return leave, true
	case <-t.C:
	case <-r.Context().Done():
	}
	return nil, false
}

// sweep forgets the buckets that are full again and have no request in progress, so the map holds only
// keys that were busy lately.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if len(b.slots) == 0 && b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
	l.swept = now
}

// maxPaused is how many refused requests may wait for their answer at once; beyond, they get it at once.
const maxPaused = 1000

// rateLimits keeps each session, each user (over all their sessions) and each client address of
// anonymous requests to AFFAR_RATE_BURST requests in a row, AFFAR_RATE_PARALLEL at a time, and
// AFFAR_RATE_LIMIT a second. A request just beyond waits its turn (up to a second); one further beyond
// gets 429 with Retry-After after a pause of about a second, so that a client flooding the server gets
// an answer a second on each of its connections instead of thousands, each answer a sleeping goroutine.
// The probes are not counted. It measures real time (the monotonic clock), not the services' clock: it
// counts requests a second.
type rateLimits struct {
	buckets *limiter
	paused  chan struct{}
}

func newRateLimits(rate float64, burst, parallel int) *rateLimits {
	return &rateLimits{buckets: newLimiter(rate, burst, parallel), paused: make(chan struct{}, maxPaused)}
}

// counted says what rateLimit counted a request against, and the session key it found (sessionKey).
type counted struct {
	user, address bool
	session       string
}

type countedKey struct{}

// rateLimit counts a request before anything is read from the database, so a refused one costs nothing
// there: one with a session cookie against that cookie's session (sessionKey) and, once the session has
// been read before, its user; one without against its client address. rateLimitSession counts the rest
// once the session and its user are read.
func (s *Server) rateLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if probe(r) {
			next.ServeHTTP(w, r)
			return
		}
		var (
			keys []string
			c    counted
		)
		lang := i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))
		if c.session = s.sessionKey(r); c.session == "" {
			keys, c.address = append(keys, "client address:"+s.clientAddr(r)), true
		} else {
			keys = append(keys, c.session)
			if user, l := s.limits.buckets.session(c.session); user != "" {
				keys, c.user, lang = append(keys, user), true, l
			}
		}
		r = r.WithContext(context.WithValue(r.Context(), countedKey{}, c))
		if !s.take(w, r, lang, keys...) {
			return
		}
		// The widest key counts the requests in progress: the user's over all their sessions, once known.
		leave, ok := s.limits.buckets.enter(r, keys[len(keys)-1], time.Now())
		if !ok {
			if r.Context().Err() == nil {
				s.tooMany(w, r.WithContext(i18n.WithLang(r.Context(), lang)), maxDelay)
			}
			return
		}
		defer leave()
		next.ServeHTTP(w, r)
	})
}

// rateLimitSession counts what rateLimit could not: a signed-in request against its user the first time
// (and binds the user to the session for its next requests), a request whose cookie named no session
// against its client address, so that made-up cookies are no way around the limit.
func (s *Server) rateLimitSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		c, _ := ctx.Value(countedKey{}).(counted)
		if probe(r) {
			next.ServeHTTP(w, r)
			return
		}
		key := "client address:" + s.clientAddr(r)
		if a, ok := authz.ActorFrom(ctx); ok {
			key = "user:" + strconv.FormatInt(int64(a.UserID), 10)
			s.limits.buckets.bind(c.session, key, i18n.Lang(ctx), time.Now()) // the language may change
		}
		if c.user || c.address || s.take(w, r, i18n.Lang(ctx), key) {
			next.ServeHTTP(w, r)
		}
	})
}

// probe reports whether r is one of the health probes, which are never limited.
func probe(r *http.Request) bool { return r.URL.Path == "/healthz" || r.URL.Path == "/readyz" }

// sessionKey is the key of the session cookie of r, a hash: the limiter's memory holds no session token.
func (s *Server) sessionKey(r *http.Request) string {
	c, err := r.Cookie(s.Sessions.Cookie.Name)
	if err != nil || c.Value == "" {
		return ""
	}
	h := sha256.Sum256([]byte(c.Value))
	return "session:" + hex.EncodeToString(h[:16])
}

// take spends a token of each key for r, waiting its turn if it must. It reports false when r has been
// answered instead: 429, or nothing for a client that went away while it waited.
func (s *Server) take(w http.ResponseWriter, r *http.Request, lang string, keys ...string) bool {
	var delay time.Duration
	for _, key := range keys {
		d, retry, first := s.limits.buckets.take(key, time.Now())
		if retry != 0 {
			if first {
				kind, _, _ := strings.Cut(key, ":")
				s.Log.Warn("request rate limit reached", "request_id", RequestID(r.Context()), "per", kind)
			}
			s.tooMany(w, r.WithContext(i18n.WithLang(r.Context(), lang)), retry)
			return false
		}
		delay = max(delay, d)
	}
	return delay == 0 || pause(r, delay)
}

// tooMany answers 429 with Retry-After after a pause of about a second: clients pausing together would
// come back together, so the pause varies a little.
func (s *Server) tooMany(w http.ResponseWriter, r *http.Request, retry time.Duration) {
	select {
	case s.limits.paused <- struct{}{}:
		wait := min(retry, maxDelay/2+rand.N(maxDelay))
		ok := pause(r, wait)
		<-s.limits.paused
		if !ok {
			return // the client went away; the access log records 499
		}
	default:
	}
	secs := max(int(math.Ceil(retry.Seconds())), 1)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	s.renderError(w, r, http.StatusTooManyRequests, i18n.N(r.Context(), "ratelimit.retry", secs))
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
