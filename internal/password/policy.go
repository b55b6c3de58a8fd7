package password

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Length limits of a new password, in characters. The upper one keeps hashing cheap and is far above any
// passphrase (OWASP ASVS 6.2.9 asks for at least 64).
const (
	MinLen = 12
	MaxLen = 1024
)

// Check returns the message id of what is wrong with a new password, or "" when it may be used.
func Check(plain string) string {
	switch n := utf8.RuneCountInString(plain); {
	case n < MinLen:
		return "error.password_short"
	case n > MaxLen:
		return "error.password_long"
	case Common(plain):
		return "error.password_common"
	}
	return ""
}

//go:embed common.txt
var commonText string

// common is the embedded list (see COMMON.md) as a set.
var common = sync.OnceValue(func() map[string]bool {
	lines := strings.Split(strings.TrimSpace(commonText), "\n")
	set := make(map[string]bool, len(lines))
	for _, l := range lines {
		set[l] = true
	}
	return set
})

// unleet undo the letter-for-sign substitutions people make to pass composition rules ("1" is an i or an l).
var unleet = []*strings.Replacer{
	strings.NewReplacer("@", "a", "4", "a", "0", "o", "1", "i", "!", "i", "3", "e", "$", "s", "5", "s", "7", "t", "+", "t"),
	strings.NewReplacer("@", "a", "4", "a", "0", "o", "1", "l", "!", "i", "3", "e", "$", "s", "5", "s", "7", "t", "+", "t"),
}

// Common reports whether plain is on the list of common and breached passwords, is one of them with digits
// and signs around it or letters swapped for look-alike signs, or is too regular to be a secret (few
// distinct characters, a run such as "abcdefghijkl").
func Common(plain string) bool {
	p := strings.ToLower(plain)
	set := common()
	if set[p] || set[strings.Join(strings.Fields(p), "")] {
		return true
	}
	core := strings.TrimFunc(p, func(r rune) bool { return !unicode.IsLetter(r) })
	for _, c := range []string{core, unleet[0].Replace(core), unleet[1].Replace(core)} {
		if utf8.RuneCountInString(c) >= 4 && set[c] {
			return true
		}
	}
	return regular(p)
}

// regular reports whether s has at most three distinct characters or is a run of consecutive ones.
func regular(s string) bool {
	distinct := map[rune]bool{}
	run, prev, step := true, rune(-1), rune(0)
	for i, r := range []rune(s) {
		distinct[r] = true
		if i == 1 {
			step = r - prev
		}
		if i > 0 && (r-prev != step || (step != 1 && step != -1)) {
			run = false
		}
		prev = r
	}
	return len(distinct) <= 3 || run
}
