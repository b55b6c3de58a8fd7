package domain

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// QuoteID identifies a quote (offert).
type QuoteID int64

// QuoteStatus is where a quote is in its life: draft → sent → accepted | rejected | expired.
type QuoteStatus string

// Quote statuses.
const (
	QuoteDraft    QuoteStatus = "draft"
	QuoteSent     QuoteStatus = "sent"
	QuoteAccepted QuoteStatus = "accepted"
	QuoteRejected QuoteStatus = "rejected"
	QuoteExpired  QuoteStatus = "expired"
)

// CanBecome reports whether a quote in status s may move to next.
func (s QuoteStatus) CanBecome(next QuoteStatus) bool {
	switch s {
	case QuoteDraft:
		return next == QuoteSent
	case QuoteSent:
		return next == QuoteAccepted || next == QuoteRejected || next == QuoteExpired
	}
	return false
}

// VATRates are the Swedish VAT rates in percent.
var VATRates = []int{25, 12, 6, 0}

// QuoteLine is one line of a quote. Quantities are kept in thousandths so 1,5 hours is exact.
type QuoteLine struct {
	Description  string
	QtyMilli     int64 // quantity × 1000
	UnitPriceOre int64
	VATRate      int // percent
}

// Net is the line's amount excluding VAT, rounded to whole öre (half away from zero), or ErrLineAmount
// above MaxAmountOre.
func (l QuoteLine) Net() (int64, error) {
	net, ok := mulDivRound(l.QtyMilli, l.UnitPriceOre, 1000)
	if !ok || net > MaxAmountOre || net < -MaxAmountOre {
		return 0, ErrLineAmount
	}
	return net, nil
}

// QuoteTotals are a quote's sums in öre: net per VAT rate, VAT per rate, and the totals. Exceeded says
// they were not computed because an amount is above MaxAmountOre (a quote stored before the cap).
type QuoteTotals struct {
	NetByRate map[int]int64
	VATByRate map[int]int64
	NetOre    int64
	VATOre    int64
	TotalOre  int64
	Exceeded  bool
}

// Totals sums the lines for showing them: the net of each line is rounded to öre, the VAT of each rate is
// computed on the sum of that rate's nets and rounded once, so the VAT shown per rate is exactly what is
// added. Amounts above the cap (which Validate refuses) give only Exceeded, never a wrapped number.
func Totals(lines []QuoteLine) QuoteTotals {
	t, err := CheckedTotals(lines)
	if err != nil {
		return QuoteTotals{NetByRate: map[int]int64{}, VATByRate: map[int]int64{}, Exceeded: true}
	}
	return t
}

// CheckedTotals is Totals, or ErrLineAmount, ErrRateAmount or ErrQuoteAmount when a line, the sum of a
// VAT rate's lines or the total with VAT is above MaxAmountOre. Every sum stays below 5 × the cap, so
// none can overflow once each part is checked.
func CheckedTotals(lines []QuoteLine) (QuoteTotals, error) {
	t := QuoteTotals{NetByRate: map[int]int64{}, VATByRate: map[int]int64{}}
	for _, l := range lines {
		net, err := l.Net()
		if err != nil {
			return QuoteTotals{}, err
		}
		if t.NetByRate[l.VATRate] += net; t.NetByRate[l.VATRate] > MaxAmountOre {
			return QuoteTotals{}, ErrRateAmount
		}
	}
	for rate, net := range t.NetByRate {
		vat, ok := mulDivRound(net, int64(rate), 100)
		if !ok || vat > MaxAmountOre {
			return QuoteTotals{}, ErrRateAmount
		}
		t.VATByRate[rate] = vat
		t.NetOre += net
		t.VATOre += vat
	}
	if t.TotalOre = t.NetOre + t.VATOre; t.TotalOre > MaxAmountOre || t.NetOre > MaxAmountOre {
		return QuoteTotals{}, ErrQuoteAmount
	}
	return t, nil
}

// ParseQuantity reads a quantity as typed ("3", "1,5", "0.25") into thousandths.
func ParseQuantity(s string) (int64, error) {
	s = strings.ReplaceAll(strings.ReplaceAll(strings.TrimSpace(s), " ", ""), ",", ".")
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || len(whole) > 9 || (hasFrac && (frac == "" || len(frac) > 3)) {
		return 0, fmt.Errorf("quantity: %w", ErrInvalid)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 || strings.ContainsAny(whole, "+-") {
		return 0, fmt.Errorf("quantity: %w", ErrInvalid)
	}
	var f int64
	if hasFrac {
		f, err = strconv.ParseInt((frac + "00")[:3], 10, 64)
		if err != nil || strings.ContainsAny(frac, "+-") {
			return 0, fmt.Errorf("quantity: %w", ErrInvalid)
		}
	}
	q := w*1000 + f
	if q == 0 {
		return 0, fmt.Errorf("quantity: %w", ErrInvalid)
	}
	return q, nil
}

// FormatQuantity shows thousandths the Swedish way: 1500 → "1,5".
func FormatQuantity(milli int64) string {
	s := strconv.FormatInt(milli/1000, 10)
	if f := milli % 1000; f != 0 {
		s += "," + strings.TrimRight(fmt.Sprintf("%03d", f), "0")
	}
	return s
}

// QuoteLineInput is one typed line.
type QuoteLineInput struct {
	Description, Quantity, UnitPrice, VATRate string
}

// QuoteInput is the typed quote form: dates and lines. Empty lines are ignored.
type QuoteInput struct {
	QuoteDate  string
	ValidUntil string
	Lines      []QuoteLineInput
}

// QuoteFields are the validated dates and lines.
type QuoteFields struct {
	QuoteDate  time.Time
	ValidUntil time.Time
	Lines      []QuoteLine
}

// MaxQuoteLines bounds a quote's length.
const MaxQuoteLines = 100

// Validate checks the quote form. Field names of line i are "line_i_description" and so on.
func (in QuoteInput) Validate() (QuoteFields, error) {
	fe := FieldErrors{}
	var q QuoteFields
	var err error
	var typed []int // the form's row of each line
	if q.QuoteDate, err = time.Parse(DateLayout, strings.TrimSpace(in.QuoteDate)); err != nil {
		fe["quote_date"] = "error.date"
	}
	if q.ValidUntil, err = time.Parse(DateLayout, strings.TrimSpace(in.ValidUntil)); err != nil {
		fe["valid_until"] = "error.date"
	} else if _, ok := fe["quote_date"]; !ok && q.ValidUntil.Before(q.QuoteDate) {
		fe["valid_until"] = "error.valid_until"
	}
	for i, li := range in.Lines {
		if li.blank() {
			continue
		}
		l, errs := li.parse()
		for f, msg := range errs {
			fe[fmt.Sprintf("line_%d_%s", i, f)] = msg
		}
		q.Lines = append(q.Lines, l)
		typed = append(typed, i)
	}
	if len(q.Lines) > MaxQuoteLines {
		fe["lines"] = "error.too_many_lines"
	}
	amountErrors(fe, q.Lines, typed)
	if len(fe) > 0 {
		return QuoteFields{}, fe
	}
	return q, nil
}

// blank reports whether nothing was typed on the line (its VAT rate has a default): it is ignored.
func (li QuoteLineInput) blank() bool {
	return strings.TrimSpace(li.Description+li.Quantity+li.UnitPrice) == ""
}

// parse reads one typed line; errs holds the message id of each field that is wrong, by the field's name
// ("description", "quantity", "unit_price", "vat_rate").
func (li QuoteLineInput) parse() (QuoteLine, map[string]string) {
	errs := map[string]string{}
	l := QuoteLine{Description: strings.TrimSpace(li.Description)}
	switch {
	case l.Description == "":
		errs["description"] = "error.required"
	case !ValidText(l.Description, false) || utf8.RuneCountInString(l.Description) > maxLine:
		errs["description"] = "error.text"
	}
	var err error
	if l.QtyMilli, err = ParseQuantity(li.Quantity); err != nil {
		errs["quantity"] = "error.quantity"
	}
	if l.UnitPriceOre, err = ParseKronor(li.UnitPrice); err != nil {
		errs["unit_price"] = "error.amount"
	}
	rate, err := strconv.Atoi(strings.TrimSpace(li.VATRate))
	if err != nil || !slices.Contains(VATRates, rate) {
		errs["vat_rate"] = "error.vat_rate"
	}
	l.VATRate = rate
	return l, errs
}

// QuotePreview is the quote form's sums as typed, before it is saved.
type QuotePreview struct {
	Nets   []*int64    // each row's net; nil where the row is empty or its quantity, price or rate is not readable
	Totals QuoteTotals // of the rows that have a net, as Totals computes a saved quote's (Exceeded above the cap)
}

// PreviewQuote sums the typed rows the way a saved quote is summed (the same parsing as Validate, the
// same Totals), leaving out the rows whose amount cannot be read yet.
func PreviewQuote(lines []QuoteLineInput) QuotePreview {
	p := QuotePreview{Nets: make([]*int64, len(lines))}
	var whole []QuoteLine
	for i, li := range lines {
		if li.blank() {
			continue
		}
		l, errs := li.parse()
		if errs["quantity"] != "" || errs["unit_price"] != "" || errs["vat_rate"] != "" {
			continue
		}
		net, err := l.Net()
		if err != nil {
			continue
		}
		p.Nets[i] = &net
		whole = append(whole, l)
	}
	p.Totals = Totals(whole)
	return p
}

// amountErrors marks, beside the field, each line that takes an amount above MaxAmountOre: the line
// itself (beside its price), the sum of its VAT rate (beside the rate) or the quote's total (beside its
// price). Lines are added in order and one refused is left out, so each message is about its own line.
// row is the form's row of each line.
func amountErrors(fe FieldErrors, lines []QuoteLine, row []int) {
	var kept quoteSums
	for i, l := range lines {
		key := func(f string) string { return fmt.Sprintf("line_%d_%s", row[i], f) }
		if fe[key("quantity")] != "" || fe[key("unit_price")] != "" || fe[key("vat_rate")] != "" {
			continue
		}
		err := kept.add(l)
		switch {
		case errors.Is(err, ErrLineAmount):
			fe[key("unit_price")] = "error.line_amount_cap"
		case errors.Is(err, ErrRateAmount):
			fe[key("vat_rate")] = "error.rate_amount_cap"
		case err != nil:
			fe[key("unit_price")] = "error.quote_amount_cap"
		}
	}
}

// quoteSums are CheckedTotals' sums of the lines added so far, so that lines can be added one at a time
// without adding up again the ones before.
type quoteSums struct {
	netByRate, vatByRate map[int]int64
	net, vat             int64
}

// add adds l if CheckedTotals would accept the lines added before with l, else it returns CheckedTotals'
// error and leaves the sums as they were. The lines before were accepted, so only l itself, the sums of
// its rate and the totals can newly go above the cap.
func (s *quoteSums) add(l QuoteLine) error {
	net, err := l.Net()
	if err != nil {
		return err
	}
	rateNet := s.netByRate[l.VATRate] + net
	if rateNet > MaxAmountOre {
		return ErrRateAmount
	}
	rateVAT, ok := mulDivRound(rateNet, int64(l.VATRate), 100)
	if !ok || rateVAT > MaxAmountOre {
		return ErrRateAmount
	}
	totalNet, totalVAT := s.net+net, s.vat-s.vatByRate[l.VATRate]+rateVAT
	if totalNet+totalVAT > MaxAmountOre || totalNet > MaxAmountOre {
		return ErrQuoteAmount
	}
	if s.netByRate == nil {
		s.netByRate, s.vatByRate = map[int]int64{}, map[int]int64{}
	}
	s.netByRate[l.VATRate], s.vatByRate[l.VATRate] = rateNet, rateVAT
	s.net, s.vat = totalNet, totalVAT
	return nil
}

// Quote is a quote with its lines and the billing snapshot taken when it was sent.
type Quote struct {
	ID         QuoteID
	Number     int64
	CustomerID CustomerID
	Status     QuoteStatus
	QuoteDate  time.Time
	ValidUntil time.Time
	Lines      []QuoteLine
	Totals     QuoteTotals
	Billing    Billing
	CreatedAt  time.Time
	UpdatedAt  time.Time
	SentAt     *time.Time
	DecidedAt  *time.Time
	Version    int
}

// Billing is the customer's billing name, address and e-mail as sent with a quote.
type Billing struct {
	Name, Street, PostalCode, City, Email string
}
