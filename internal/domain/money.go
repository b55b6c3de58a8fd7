package domain

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// MaxAmountOre caps every amount of a quote (a line, the sum of a VAT rate, the total): 100 000 000 000
// kr, far above any real quote and far below where the sums could overflow.
const MaxAmountOre int64 = 10_000_000_000_000

// Amounts above MaxAmountOre, refused (ErrInvalid).
var (
	ErrLineAmount  = fmt.Errorf("quote line above %d öre: %w", MaxAmountOre, ErrInvalid)
	ErrRateAmount  = fmt.Errorf("quote VAT rate sum above %d öre: %w", MaxAmountOre, ErrInvalid)
	ErrQuoteAmount = fmt.Errorf("quote total above %d öre: %w", MaxAmountOre, ErrInvalid)
)

// mulDivRound returns a×b/d rounded half away from zero (d > 0), computed exactly in 128 bits; ok is
// false when the result does not fit an int64. Never wraps.
func mulDivRound(a, b, d int64) (int64, bool) {
	neg := (a < 0) != (b < 0)
	hi, lo := bits.Mul64(absU(a), absU(b))
	if hi >= uint64(d) { // the quotient would not fit 64 bits (and Div64 would panic)
		return 0, false
	}
	q, r := bits.Div64(hi, lo, uint64(d))
	if q >= math.MaxInt64 { // room for the rounding below
		return 0, false
	}
	if r >= uint64(d)-r { // r ≥ d/2, without overflow
		q++
	}
	if neg {
		return -int64(q), true
	}
	return int64(q), true
}

// absU is |v| as an unsigned number (MinInt64 included).
func absU(v int64) uint64 {
	if v < 0 {
		return uint64(-v)
	}
	return uint64(v)
}

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
