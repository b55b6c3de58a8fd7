// Package i18n is the one catalogue of interface text, in Swedish and English, looked up through the
// request context: T(ctx, "signin.title").
package i18n

import (
	"context"
	"slices"
	"strconv"
	"strings"
)

// Default is the language used when neither the user nor the browser chooses one.
const Default = "sv"

type ctxKey struct{}

// WithLang returns ctx whose text is in lang.
func WithLang(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, ctxKey{}, lang)
}

// Lang is the language of ctx.
func Lang(ctx context.Context) string {
	if l, ok := ctx.Value(ctxKey{}).(string); ok {
		return l
	}
	return Default
}

// T returns the text of key in the language of ctx. A missing key shows itself, so it is noticed; the
// catalogue test makes sure none is missing.
func T(ctx context.Context, key string) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	if Lang(ctx) == "en" {
		return m.en
	}
	return m.sv
}

// Tf is T with {0}, {1}… replaced by args.
func Tf(ctx context.Context, key string, args ...string) string { return fill(T(ctx, key), args) }

// Possessive is name's genitive in the context's language: Swedish adds an s except after s, x or z
// ("Eriks", "Lars", "Max"; Språkrådet), English an apostrophe and s, or the apostrophe alone after an s
// ("Erik's", "James'").
func Possessive(ctx context.Context, name string) string {
	if name == "" {
		return ""
	}
	last := strings.ToLower(name[len(name)-1:])
	if Lang(ctx) == "en" {
		if last == "s" {
			return name + "'"
		}
		return name + "'s"
	}
	if last == "s" || last == "x" || last == "z" {
		return name
	}
	return name + "s"
}

func fill(s string, args []string) string {
	for i, a := range args {
		s = strings.ReplaceAll(s, "{"+strconv.Itoa(i)+"}", a)
	}
	return s
}

// N returns the count message key for n in the language of ctx: its "one" form when n is 1, otherwise its
// "other" form (Swedish and English both have just these two), with {0} replaced by n and {1}, {2}… by
// args. Every message that shows a count is a count message, so nothing reads "1 kunder".
func N(ctx context.Context, key string, n int, args ...string) string {
	c, ok := counts[key]
	if !ok {
		return key
	}
	forms := c.sv
	if Lang(ctx) == "en" {
		forms = c.en
	}
	s := forms.other
	if n == 1 {
		s = forms.one
	}
	return fill(s, append([]string{strconv.Itoa(n)}, args...))
}

// FromAcceptLanguage picks "sv" or "en" from an Accept-Language header by the order of preference given.
func FromAcceptLanguage(header string) string {
	best, bestQ := "", -1.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if (base == "sv" || base == "en") && q > bestQ {
			best, bestQ = base, q
		}
	}
	if best == "" {
		return Default
	}
	return best
}

// Has reports whether key is in the catalogue (as a message or a count message).
func Has(key string) bool {
	_, ok := messages[key]
	_, isCount := counts[key]
	return ok || isCount
}

// Text returns both translations of key, "" where there is none. Test-only: the catalogue tests here, in
// server and in accesscopy check that every key they use has both; the application reads through T.
func Text(key string) (sv, en string) { m := messages[key]; return m.sv, m.en }

// KeysWith lists the message ids that start with prefix, sorted. Test-only, like Text: the audit tests check
// that every action the catalogue labels is in an event group.
func KeysWith(prefix string) []string {
	var out []string
	for k := range messages {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
