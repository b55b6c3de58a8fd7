// Package labels prints address labels on A4 label sheets (3 × 8 labels of 70 × 37 mm).
package labels

import (
	"errors"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
	"golang.org/x/text/unicode/bidi"
	"golang.org/x/text/unicode/norm"
)

// Sheet geometry: the 8 rows take 296 of the page's 297 mm, so half a millimetre is left above and below;
// the 3 columns fill the 210 mm width exactly.
const (
	cols, rows     = 3, 8
	perPage        = cols * rows
	labelW, labelH = 70.0, 37.0 // mm
	topMargin      = 0.5        // mm
	padX           = 5.0        // mm; keeps text clear of the die-cut even when the printer feeds slightly askew
	lineH          = 5.0        // mm; six lines fill 30 of the 37 mm
	maxLines       = 6
	fontSize       = 10.0 // pt
	minFontSize    = 7.0  // pt; smaller is hard to read for the carrier's sorting
	ellipsis       = "…"
	// unsupported stands in for a character that cannot be printed: the sign readers know as "a character is
	// missing here", where '?' reads like part of the name and fpdf's own .notdef box like a smudge.
	unsupported = '\uFFFD'
	// noticeLines caps the list of labels that could not be printed exactly at one page; the rest are counted.
	noticeLines = 40
)

// ErrNoLabels lets the caller say "nothing to print" instead of handing out an empty sheet.
var ErrNoLabels = errors.New("labels: no addresses to print")

// Address is one recipient as stored.
type Address struct {
	Number     int64  // the customer number, which names a label that could not be printed exactly
	Name       string // person or company name
	Attention  string // optional contact person at a company ("Att: …" line)
	Street     string
	PostalCode string // Swedish: 5 digits, may be stored with or without the space
	City       string
	Country    string // ISO 3166-1 alpha-2, "SE" or "" = domestic
}

// countries names the usual destinations in English, which is what foreign postal services read; other codes
// are printed as they are, which the carrier still understands.
var countries = map[string]string{
	"NO": "NORWAY", "DK": "DENMARK", "FI": "FINLAND", "IS": "ICELAND", "AX": "ALAND ISLANDS",
	"DE": "GERMANY", "GB": "UNITED KINGDOM", "US": "UNITED STATES", "NL": "NETHERLANDS", "BE": "BELGIUM",
	"FR": "FRANCE", "ES": "SPAIN", "IT": "ITALY", "AT": "AUSTRIA", "CH": "SWITZERLAND", "IE": "IRELAND",
	"PL": "POLAND", "EE": "ESTONIA", "LV": "LATVIA", "LT": "LITHUANIA",
}

// Lines lays out an address the way Posten asks for: name, "Att: <contact>" when given, street, then
// "123 45 TOWN"; a foreign address keeps its postal code as stored and ends with the country in capitals.
// Empty parts are left out, and stray whitespace (line breaks pasted into a field) is collapsed.
func Lines(a Address) []string {
	var out []string
	add := func(s string) {
		if s = clean(s); s != "" {
			out = append(out, s)
		}
	}
	add(a.Name)
	if att := clean(a.Attention); att != "" {
		add("Att: " + att)
	}
	add(a.Street)
	code, country := clean(a.PostalCode), strings.ToUpper(clean(a.Country))
	domestic := country == "" || country == "SE"
	if domestic {
		code = swedishPostalCode(code)
	}
	add(code + " " + strings.ToUpper(clean(a.City)))
	if !domestic {
		if name, ok := countries[country]; ok {
			country = name
		}
		add(country)
	}
	return out
}

func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

// swedishPostalCode writes five digits as "123 45"; anything else is left as stored rather than guessed at.
func swedishPostalCode(s string) string {
	d := strings.ReplaceAll(s, " ", "")
	if len(d) != 5 || strings.Trim(d, "0123456789") != "" {
		return s
	}
	return d[:3] + " " + d[3:]
}

// Inexact is a label on which the font could not draw every character.
type Inexact struct {
	Sheet, Row, Column int   // counted from 1, as a person finds the label on the printed sheets
	Number             int64 // the customer number
}

// Notice is the wording, in the reader's language, of the page that ends a print in which some labels
// could not be printed exactly. Every field is needed.
type Notice struct {
	Title, Body string
	Label       func(Inexact) string // one line per label
	More        func(n int) string   // the last line, for the n labels beyond the page's noticeLines
}

// Write renders one label per address, in order, filling each sheet row by row, and returns the number of
// labels written. An address with nothing in it still takes its place, so the sheet matches the list.
//
// A character the font lacks (CJK, emoji) or fpdf cannot set (right-to-left letters) prints as the
// replacement sign, and the print still comes out
// whole: one such name should not stop a mailing to everyone else, and a refusal would send the user
// hunting for the name. Instead a last page lists those labels by sheet, row, column and customer number,
// so they can be written by hand or corrected and printed again. It names no one: the numbers find the
// customers, and a second copy of their names would only travel further with the file.
func Write(w io.Writer, addrs []Address, notice Notice) (int, error) {
	if len(addrs) == 0 {
		return 0, ErrNoLabels
	}
	pdf := newDocument()
	var inexact []Inexact
	for i, a := range addrs {
		slot := i % perPage
		if slot == 0 {
			pdf.AddPage()
		}
		if !drawLabel(pdf, slot, Lines(a)) {
			inexact = append(inexact, Inexact{Sheet: i/perPage + 1, Row: slot/cols + 1, Column: slot%cols + 1, Number: a.Number})
		}
	}
	if len(inexact) > 0 {
		writeNotice(pdf, notice, inexact)
	}
	if err := pdf.Output(w); err != nil {
		return 0, err
	}
	return len(addrs), nil
}

func newDocument() *fpdf.Fpdf {
	pdf := fpdf.New("P", "mm", "A4", "")
	// Metadata stays generic: a PDF is forwarded and archived, and its properties are easy to overlook.
	pdf.SetTitle("Adressetiketter", true)
	pdf.SetCreator("Affär", true)
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCellMargin(0)
	// fpdf embeds only the glyphs a document uses, with a ToUnicode map, so the text can be searched and copied.
	pdf.AddUTF8FontFromBytes(fontFamily, "", fontTTF)
	pdf.SetFont(fontFamily, "", fontSize)
	return pdf
}

// drawLabel writes the lines into a label slot of the current sheet and reports whether every character
// could be drawn.
func drawLabel(pdf *fpdf.Fpdf, slot int, lines []string) bool {
	x := float64(slot%cols) * labelW
	y := topMargin + float64(slot/cols)*labelH
	if len(lines) > maxLines {
		lines = lines[:maxLines]
	}
	y += (labelH - float64(len(lines))*lineH) / 2
	exact := true
	for j, l := range lines {
		text, ok := printable(l)
		exact = exact && ok
		pdf.SetXY(x+padX, y+float64(j)*lineH)
		pdf.CellFormat(labelW-2*padX, lineH, fit(pdf, text, labelW-2*padX), "", 0, "LM", false, 0, "")
	}
	return exact
}

// writeNotice adds the page that lists the labels that could not be printed exactly, at most noticeLines
// of them, so the page stays one page however many there are.
func writeNotice(pdf *fpdf.Fpdf, words Notice, inexact []Inexact) {
	const margin = 20.0 // mm
	pdf.AddPage()
	pdf.SetMargins(margin, margin, margin)
	pdf.SetXY(margin, margin)
	pdf.SetFontSize(fontSize + 2)
	pdf.MultiCell(0, lineH+1, words.Title, "", "L", false)
	pdf.Ln(lineH / 2)
	pdf.SetFontSize(fontSize)
	pdf.MultiCell(0, lineH, words.Body, "", "L", false)
	pdf.Ln(lineH / 2)
	for i, l := range inexact {
		if i == noticeLines {
			pdf.CellFormat(0, lineH, words.More(len(inexact)-noticeLines), "", 1, "LM", false, 0, "")
			break
		}
		pdf.CellFormat(0, lineH, words.Label(l), "", 1, "LM", false, 0, "")
	}
}

// printable returns s as the label font will draw it, and whether that is exactly s. It is composed first
// (NFC), because a name typed with combining accents (as macOS and some web forms send them) then uses the
// font's precomposed letters instead of marks that fpdf, which ignores the font's positioning rules, may
// set askew; what the font still cannot draw, what fpdf cannot set right and any control character become
// the replacement sign.
func printable(s string) (string, bool) {
	exact := true
	s = strings.Map(func(r rune) rune {
		if glyphs.has(r) && !unicode.IsControl(r) && !rightToLeft(r) {
			return r
		}
		exact = false
		return unsupported
	}, norm.NFC.String(s))
	return s, exact
}

// rightToLeft reports a letter of a right-to-left script (Hebrew, Arabic, N'Ko). The font has many of them,
// but fpdf neither reverses their order nor joins Arabic letters, so a name in them would print wrong while
// looking plausible; counted as unprintable, its label is listed on the notice page instead.
func rightToLeft(r rune) bool {
	p, _ := bidi.LookupRune(r)
	return p.Class() == bidi.R || p.Class() == bidi.AL
}

// fit picks the largest font size at which s fits in width, down to minFontSize, and cuts what still does
// not fit with an ellipsis. It cuts between characters, longest first: a combining mark has no width, so a
// cut that keeps it always fits when the one before it does, and a letter never loses its accent.
func fit(pdf *fpdf.Fpdf, s string, width float64) string {
	size := fontSize
	pdf.SetFontSize(size)
	for pdf.GetStringWidth(s) > width && size > minFontSize {
		size -= 0.5
		pdf.SetFontSize(size)
	}
	if pdf.GetStringWidth(s) <= width {
		return s
	}
	for n := len(s); n > 0; {
		_, k := utf8.DecodeLastRuneInString(s[:n])
		n -= k
		if t := strings.TrimRight(s[:n], " ") + ellipsis; pdf.GetStringWidth(t) <= width {
			return t
		}
	}
	return ellipsis
}
