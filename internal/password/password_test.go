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

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		password, want string
	}{
		{"short one", "error.password_short"},
		{string([]rune(strings.Repeat("styrelsemöte i tisdags ", 50))[:MaxLen]), ""},
		{string([]rune(strings.Repeat("styrelsemöte i tisdags ", 50))[:MaxLen+1]), "error.password_long"},
		{"leavemealone", "error.password_common"},
		{"Leave me alone", "error.password_common"},
		{"baseball1234", "error.password_common"},
		{"qwertyuiop123", "error.password_common"},
		{"QWERTYUIOP", "error.password_short"},
		{"123456789012", "error.password_common"},
		{"Password2024!", "error.password_common"},
		{"!!Dragon12345", "error.password_common"},
		{"P@ssw0rd12345", "error.password_common"},
		{"Sunsh1ne!2024", "error.password_common"},
		{"aaaaaaaaaaaaaaaa", "error.password_common"},
		{"abababababab", "error.password_common"},
		{"abcdefghijklmn", "error.password_common"},
		{"zyxwvutsrqpo", "error.password_common"},
		{"styrelsemöte i tisdags", ""},
		{"Xk9#mq2$Lp0!", ""},
		{"pw-xxxxxxxxxxxxanna@example.se", ""},
	} {
		if got := Check(tc.password); got != tc.want {
			t.Errorf("Check(%.24q) = %q, want %q", tc.password, got, tc.want)
		}
	}
}

// TestCommonList: every line of the embedded list is refused, and the list holds what COMMON.md says.
func TestCommonList(t *testing.T) {
	lines := strings.Split(strings.TrimSpace(commonText), "\n")
	if len(lines) != 12344 {
		t.Fatalf("%d lines, COMMON.md says 12,344", len(lines))
	}
	for _, l := range lines {
		if l != strings.ToLower(strings.TrimSpace(l)) || l == "" || !Common(l) {
			t.Fatalf("line %q is not a trimmed lower-case password that Common refuses", l)
		}
	}
}
