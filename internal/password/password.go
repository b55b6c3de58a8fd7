// Package password hashes and checks passwords with argon2id, encoded as PHC strings.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"

	"github.com/affar/affar/internal/domain"
)

// Params are the argon2id cost parameters (OWASP minimum: 19 MiB, t=2, p=1).
type Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// Default is what new hashes use.
var Default = Params{MemoryKiB: 19 * 1024, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
)

// Each hash holds MemoryKiB of memory for tens of milliseconds; capping concurrency keeps a burst of
// sign-ins from exhausting memory and CPU.
var slots = make(chan struct{}, max(1, runtime.NumCPU()))

// maxWaiting bounds the queue for a slot: past it, sign-ins are refused at once (ErrBusy) instead of
// piling up behind a flood.
const maxWaiting = 64

var waiting atomic.Int32

// ErrBusy means too many hashes are already waiting; try again shortly.
var ErrBusy = fmt.Errorf("password hashing: %w", domain.ErrBusy)

func acquire(ctx context.Context) error {
	if waiting.Add(1) > maxWaiting {
		waiting.Add(-1)
		return ErrBusy
	}
	defer waiting.Add(-1)
	select {
	case slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func release() { <-slots }

// Hash returns the PHC string of plain with fresh salt.
func Hash(ctx context.Context, plain string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	if err := acquire(ctx); err != nil {
		return "", err
	}
	defer release()
	p := Default
	key := argon2.IDKey([]byte(plain), salt, p.Time, p.MemoryKiB, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var b64 = base64.RawStdEncoding

// ErrMalformed means the stored hash is not an argon2id PHC string.
var ErrMalformed = errors.New("password hash: malformed")

// Verify reports whether plain matches the PHC string encoded, in constant time.
func Verify(ctx context.Context, encoded, plain string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, ErrMalformed
	}
	var version int
	var p Params
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, ErrMalformed
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return false, ErrMalformed
	}
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, ErrMalformed
	}
	if err := acquire(ctx); err != nil {
		return false, err
	}
	defer release()
	got := argon2.IDKey([]byte(plain), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// Random returns a password of n characters from an alphabet without look-alikes, for printed credentials.
func Random(n int) string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[randIntn(len(alphabet))]
	}
	return string(b)
}
