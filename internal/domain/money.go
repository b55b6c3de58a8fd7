package domain

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseKronor reads an amount in kronor as typed in Sweden ("1 234,50", "1234.5", "12 500") and returns
// öre. Negative amounts are refused.
func ParseKronor(s string) (int64, error) {
	s = strings.NewReplacer(" ", "", "\u00a0", "", "kr", "", "SEK", "").Replace(strings.TrimSpace(s))
	s = strings.ReplaceAll(s, ",", ".")
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || len(whole) > 13 || (hasFrac && (len(frac) == 0 || len(frac) > 2)) {
		return 0, fmt.Errorf("amount: %w", ErrInvalid)
	}
	kr, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || kr < 0 || strings.ContainsAny(whole, "+-") {
		return 0, fmt.Errorf("amount: %w", ErrInvalid)
	}
	var ore int64
	if hasFrac {
		if len(frac) == 1 {
			frac += "0"
		}
		o, err := strconv.ParseInt(frac, 10, 64)
		if err != nil || strings.ContainsAny(frac, "+-") {
			return 0, fmt.Errorf("amount: %w", ErrInvalid)
		}
		ore = o
	}
	return kr*100 + ore, nil
}

// FormatKronor formats öre the Swedish way: "1 234,50 kr".
func FormatKronor(ore int64) string {
	sign := ""
	if ore < 0 {
		sign, ore = "-", -ore
	}
	kr := strconv.FormatInt(ore/100, 10)
	var b strings.Builder
	for i, r := range kr {
		if i > 0 && (len(kr)-i)%3 == 0 {
			b.WriteRune('\u00a0')
		}
		b.WriteRune(r)
	}
	return fmt.Sprintf("%s%s,%02d kr", sign, b.String(), ore%100)
}
