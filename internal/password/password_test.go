package password

import (
	"context"
	"strings"
	"testing"
)

func TestHashAndVerify(t *testing.T) {
	ctx := context.Background()
	h, err := Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not an argon2id PHC string with the default cost", h)
	}
	if ok, err := Verify(ctx, h, "correct horse"); !ok || err != nil {
		t.Fatalf("right password refused: %v %v", ok, err)
	}
	if ok, _ := Verify(ctx, h, "correct horsE"); ok {
		t.Fatal("wrong password accepted")
	}
	h2, _ := Hash(ctx, "correct horse")
	if h2 == h {
		t.Fatal("two hashes of the same password are equal: salt is not random")
	}
	if _, err := Verify(ctx, "$2a$10$bcrypt", "x"); err != ErrMalformed {
		t.Fatalf("malformed hash: got %v", err)
	}
}

func TestRandom(t *testing.T) {
	a, b := Random(16), Random(16)
	if len(a) != 16 || a == b {
		t.Fatalf("Random(16) gave %q and %q", a, b)
	}
}
