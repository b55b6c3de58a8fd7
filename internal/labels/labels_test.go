package labels

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/affar/affar/internal/testutil/program"

	"github.com/go-pdf/fpdf"
	"golang.org/x/text/unicode/norm"
)

func TestLines(t *testing.T) {
	tests := []struct {
		name string
		in   Address
		want []string
	}{
		{"domestic company with attention",
			Address{Name: "Byggbolaget i Västerås AB", Attention: "Eva Ek", Street: "Kopparbergsvägen 8",
				PostalCode: "722 13", City: "Västerås", Country: "SE"},
			[]string{"Byggbolaget i Västerås AB", "Att: Eva Ek", "Kopparbergsvägen 8", "722 13 VÄSTERÅS"}},
		{"domestic person, code stored without space, no country",
			Address{Name: "Åsa Öberg", Street: "Storgatan 1", PostalCode: "12345", City: "Stockholm"},
			[]string{"Åsa Öberg", "Storgatan 1", "123 45 STOCKHOLM"}},
		{"foreign address keeps its postal code and names the country",
			Address{Name: "Nordic Trade AS", Attention: "Ola Nordmann", Street: "Karl Johans gate 1",
				PostalCode: "0154", City: "Oslo", Country: "no"},
			[]string{"Nordic Trade AS", "Att: Ola Nordmann", "Karl Johans gate 1", "0154 OSLO", "NORWAY"}},
		{"unknown country falls back to its code",
			Address{Name: "Kiwi Ltd", Street: "1 Queen Street", PostalCode: "1010", City: "Auckland", Country: "NZ"},
			[]string{"Kiwi Ltd", "1 Queen Street", "1010 AUCKLAND", "NZ"}},
		{"missing parts are left out",
			Address{Name: "  Per   Persson ", Attention: " ", City: "Lund"},
			[]string{"Per Persson", "LUND"}},
		{"postal code without town",
			Address{Name: "Anna", Street: "Box 12", PostalCode: "411 01"},
			[]string{"Anna", "Box 12", "411 01"}},
		{"malformed Swedish postal code is printed as stored",
			Address{Name: "Bo", PostalCode: "1234", City: "Umeå"},
			[]string{"Bo", "1234 UMEÅ"}},
		{"line breaks pasted into a field are collapsed",
			Address{Name: "Firma\nAB", Street: "Gatan 2\r\nLgh 1101", PostalCode: "90325", City: "umeå"},
			[]string{"Firma AB", "Gatan 2 Lgh 1101", "903 25 UMEÅ"}},
		{"empty address", Address{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Lines(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("Lines() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestWriteNoAddresses(t *testing.T) {
	var buf bytes.Buffer
	n, err := Write(&buf, nil, testNotice)
	if !errors.Is(err, ErrNoLabels) || n != 0 || buf.Len() != 0 {
		t.Fatalf("Write(nil) = %d, %v with %d bytes; want 0, ErrNoLabels and no output", n, err, buf.Len())
	}
}

func TestFitShrinksThenCuts(t *testing.T) {
	pdf := newDocument()
	const width = labelW - 2*padX
	if got := fit(pdf, "Kort namn", width); got != "Kort namn" {
		t.Errorf("short line changed to %q", got)
	}
	long := "Aktiebolaget Svenska Bygg- och Fastighetsförvaltningen i Norrland"
	got := fit(pdf, long, width)
	if !strings.HasSuffix(got, ellipsis) || !strings.HasPrefix(long, strings.TrimSuffix(got, ellipsis)) {
		t.Errorf("long line became %q, want a prefix of it followed by the ellipsis", got)
	}
	if size, _ := pdf.GetFontSize(); size != minFontSize {
		t.Errorf("font size %v after cutting, want the minimum %v", size, minFontSize)
	}
	if w := pdf.GetStringWidth(got); w > width {
		t.Errorf("cut line is %.1f mm wide, more than %.1f", w, width)
	}
	// Slightly too long: shrinking alone should do.
	medium := "Byggnadsfirman Johansson & Söner i Gnesta"
	if got := fit(pdf, medium, width); got != medium {
		t.Errorf("medium line became %q, want it whole at a smaller size", got)
	}
}

func TestFitCutsWholeLetters(t *testing.T) {
	pdf := newDocument()
	// Ǆ is wider than the replacement sign a broken byte shows as, so a cut inside it could fit where the
	// whole letter does not; a few narrow i in front move where the cut falls. n with a combining macron
	// has no precomposed form, so it stays two runes.
	for _, letter := range []string{"Ǆ", "n\u0304"} {
		for pad := range 6 {
			lead := strings.Repeat("i", pad)
			got := fit(pdf, lead+strings.Repeat(letter, 60), labelW-2*padX)
			before, ok := strings.CutSuffix(got, ellipsis)
			rest, hasLead := strings.CutPrefix(before, lead)
			if n := len(rest) / len(letter); !ok || !hasLead || n == 0 || rest != strings.Repeat(letter, n) {
				t.Errorf("cut to %q; want %q and whole %q followed by the ellipsis", got, lead, letter)
			}
		}
	}
}

func TestPrintable(t *testing.T) {
	tests := []struct {
		name, in, want string
		exact          bool
	}{
		{"Swedish as it is", "Åsa Öberg", "Åsa Öberg", true},
		{"combining accents are composed", "Nguye\u0302\u0303n Tra\u0302\u0300n", "Nguyễn Trần", true},
		{"a letter the font lacks is marked", "王芳 Berg", "\uFFFD\uFFFD Berg", false},
		{"outside the 16-bit range fpdf writes", "Anna 😀", "Anna \uFFFD", false},
		{"control characters", "a\x01b", "a\uFFFDb", false},
		{"right-to-left letters, which fpdf would set backwards and unjoined", "Lea כהן, محمد 12", "Lea \uFFFD\uFFFD\uFFFD, \uFFFD\uFFFD\uFFFD\uFFFD 12", false},
		{"the replacement sign itself is printed as it is", "a\uFFFDb", "a\uFFFDb", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, exact := printable(tt.in); got != tt.want || exact != tt.exact {
				t.Errorf("printable(%q) = %q, %v; want %q, %v", tt.in, got, exact, tt.want, tt.exact)
			}
		})
	}
}

// everyLanguage are names from the languages of the register's customers, with every letter their
// alphabets add to Latin that a label here is likely to meet: Swedish, Polish, Turkish, Vietnamese
// (precomposed, as NFC has them), Icelandic and Sami.
var everyLanguage = []string{
	"Åsa Öberg", "Ärla Ängström",
	"Łukasz Wiśniewski", "Żółć Źdźbło", "Ęcka Ąń",
	"Çağrı Yılmaz", "İpek Şahin", "ğ ı İ ş Ğ Ş",
	"Nguyễn Thị Minh Khai", "Trần Đặng", "Tiến Lộc Hữu Ước",
	"Þórunn Guðmundsdóttir", "Ægir Ýr Éva",
	"Áilu Niillas Ŋuolja", "Čiŋŋa Šávli", "Ŧ ŧ Đ đ Ž ǩ ǯ ʒ Ǯ Ǩ",
}

func TestFontCoversEveryLanguage(t *testing.T) {
	for _, name := range everyLanguage {
		if !norm.NFC.IsNormalString(name) {
			t.Errorf("%q is not in NFC, the form printable prints", name)
		}
		for _, r := range name {
			if !glyphs.has(r) {
				t.Errorf("the label font has no %q (U+%04X), needed for %q", r, r, name)
			}
		}
	}
	for _, r := range ellipsis + string(unsupported) {
		if !glyphs.has(r) {
			t.Errorf("the label font has no %q (U+%04X)", r, r)
		}
	}
	if glyphs.has('王') || glyphs.has(0x1F600) {
		t.Error("the coverage claims CJK or emoji; the cmap is misread")
	}
}

// The coverage must agree with fpdf's own reading of the font, or a label could print fpdf's .notdef box
// while claiming to be exact. fpdf's TTF parser (an independent implementation) reads a file by name.
func TestCoverageAgreesWithFpdf(t *testing.T) {
	path := filepath.Join(t.TempDir(), "font.ttf")
	if err := os.WriteFile(path, fontTTF, 0o600); err != nil {
		t.Fatal(err)
	}
	ttf, err := fpdf.TtfParse(path)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for r := rune(0); r < 0xFFFF; r++ {
		if want := ttf.Chars[uint16(r)] != 0; glyphs.has(r) != want {
			t.Errorf("U+%04X: covered %v, fpdf's parser says %v", r, glyphs.has(r), want)
		}
		if glyphs.has(r) {
			n++
		}
	}
	if n < 3000 {
		t.Errorf("only %d characters covered; DejaVu Sans Condensed has thousands", n)
	}
}

// popplerTool finds one of poppler-utils' programs (pdftoppm, pdftotext, pdffonts, pdfinfo).
func popplerTool(t *testing.T, name string) string { return program.Find(t, name, "poppler-utils") }

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(popplerTool(t, name), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// writePDF renders addrs into a file in a temporary directory and returns its path.
func writePDF(t *testing.T, addrs []Address) string {
	t.Helper()
	var buf bytes.Buffer
	n, err := Write(&buf, addrs, testNotice)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(addrs) {
		t.Fatalf("Write returned %d, want %d", n, len(addrs))
	}
	path := filepath.Join(t.TempDir(), "labels.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func customers(n int) []Address {
	first := []string{"Åsa Öberg", "Ärla Ängström", "Erik Älvsjö", "Zoë Müller", "Olle Ström"}
	addrs := make([]Address, n)
	for i := range addrs {
		addrs[i] = Address{
			Name:       fmt.Sprintf("Kund %02d %s", i+1, first[i%len(first)]),
			Street:     fmt.Sprintf("Storgatan %d", i+1),
			PostalCode: "11122",
			City:       "Stockholm",
		}
		if i%3 == 1 {
			addrs[i].Attention = "Inköpsavdelningen"
		}
		if i%7 == 6 {
			addrs[i].PostalCode, addrs[i].City, addrs[i].Country = "0154", "Oslo", "NO"
		}
	}
	return addrs
}

const (
	dpi     = 100
	minSide = 4.0 // mm; the about 5 mm side padding must leave at least this much blank at each side
)

func mmToPx(mm float64) int { return int(mm / 25.4 * dpi) }

// renderPages turns pages first to last into grey images at res dots per inch with pdftoppm.
func renderPages(t *testing.T, pdfPath string, res, first, last int) []*image.Gray {
	t.Helper()
	prefix := filepath.Join(t.TempDir(), "page")
	run(t, "pdftoppm", "-gray", "-r", fmt.Sprint(res), "-f", fmt.Sprint(first), "-l", fmt.Sprint(last), pdfPath, prefix)
	files, err := filepath.Glob(prefix + "-*.pgm")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files) // pdftoppm pads the page numbers to one width
	if len(files) != last-first+1 {
		t.Fatalf("pdftoppm wrote %d pages, want %d", len(files), last-first+1)
	}
	var imgs []*image.Gray
	for _, name := range files {
		imgs = append(imgs, readPGM(t, name))
	}
	return imgs
}

// readPGM decodes the binary greymap pdftoppm writes with -gray (its PNGs are RGB even then).
func readPGM(t *testing.T, name string) *image.Gray {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	var magic string
	var w, h, maxval int
	if _, err := fmt.Fscan(r, &magic, &w, &h, &maxval); err != nil || magic != "P5" || maxval != 255 {
		t.Fatalf("%s: not an 8-bit PGM (%q, max %d): %v", name, magic, maxval, err)
	}
	if _, err := r.ReadByte(); err != nil { // the one whitespace before the pixels
		t.Fatal(err)
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	if _, err := io.ReadFull(r, img.Pix); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return img
}

func darkPixels(img image.Image, r image.Rectangle) int {
	n := 0
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y < 128 {
				n++
			}
		}
	}
	return n
}

// cellRect is a label slot's area in pixels, shrunk by inset mm on the left and right and 0.5 mm at top and
// bottom, so that anti-aliasing from a neighbour does not count.
func cellRect(slot int, inset float64) image.Rectangle {
	x := float64(slot%cols) * labelW
	y := topMargin + float64(slot/cols)*labelH
	return image.Rect(mmToPx(x+inset), mmToPx(y+0.5), mmToPx(x+labelW-inset), mmToPx(y+labelH-0.5))
}

func TestWriteRendersSheets(t *testing.T) {
	addrs := customers(30)
	path := writePDF(t, addrs)

	info := run(t, "pdfinfo", path)
	if !regexp.MustCompile(`(?m)^Pages:\s+2$`).MatchString(info) {
		t.Errorf("want 2 pages for 30 labels (24 + 6), pdfinfo says:\n%s", info)
	}
	if !regexp.MustCompile(`(?m)^Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)`).MatchString(info) {
		t.Errorf("want A4 pages, pdfinfo says:\n%s", info)
	}
	if !strings.Contains(info, "Adressetiketter") || !strings.Contains(info, "Affär") {
		t.Errorf("title or creator missing from metadata:\n%s", info)
	}
	if strings.Contains(info, "Kund") || strings.Contains(info, "Storgatan") {
		t.Errorf("personal data in metadata:\n%s", info)
	}

	text := run(t, "pdftotext", "-layout", path, "-")
	for _, a := range addrs {
		if c := strings.Count(text, a.Name); c != 1 {
			t.Errorf("%q appears %d times in the text, want once", a.Name, c)
		}
	}
	checkPositions(t, run(t, "pdftotext", "-bbox", path, "-"), len(addrs))
	if c := strings.Count(text, "\f"); c != 2 {
		t.Errorf("pdftotext found %d pages, want 2", c)
	}
	if p2 := strings.Split(text, "\f")[1]; !strings.Contains(p2, "Kund 25 ") || strings.Contains(p2, "Kund 24 ") {
		t.Errorf("page 2 should start with label 25:\n%s", p2)
	}

	for page, filled := range map[int]int{1: perPage, 2: 30 - perPage} {
		img := renderPages(t, path, dpi, page, page)[0]
		if b := img.Bounds(); b.Dx() != mmToPx(210)+1 && b.Dx() != mmToPx(210) {
			t.Errorf("page %d is %d px wide at %d dpi, want about %d", page, b.Dx(), dpi, mmToPx(210))
		}
		if total := darkPixels(img, img.Bounds()); total < 500*filled {
			t.Errorf("page %d has only %d dark pixels for %d labels; looks blank", page, total, filled)
		}
		for slot := range perPage {
			cell, padded := darkPixels(img, cellRect(slot, 0.5)), darkPixels(img, cellRect(slot, minSide))
			switch {
			case slot < filled && cell < 300:
				t.Errorf("page %d, label %d (row %d, column %d): %d dark pixels, want text",
					page, slot+1, slot/cols+1, slot%cols+1, cell)
			case slot >= filled && cell != 0:
				t.Errorf("page %d, label %d should be empty but has %d dark pixels", page, slot+1, cell)
			case cell != padded:
				t.Errorf("page %d, label %d: %d dark pixels within the side padding", page, slot+1, cell-padded)
			}
		}
	}
}

var bboxToken = regexp.MustCompile(`<page |<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)

// checkPositions reads pdftotext's word boxes and checks that label k ("Kund k ...") sits in slot k-1,
// counting row by row, left to right, and sheet by sheet.
func checkPositions(t *testing.T, bbox string, n int) {
	t.Helper()
	const ptPerMM = 72 / 25.4
	page, seen, afterKund := 0, 0, false
	for _, m := range bboxToken.FindAllStringSubmatch(bbox, -1) {
		if m[0] == "<page " {
			page++
			continue
		}
		word := m[5]
		if !afterKund {
			afterKund = word == "Kund"
			continue
		}
		afterKund = false
		k, err := strconv.Atoi(word)
		if err != nil {
			t.Errorf("%q follows \"Kund\" in pdftotext -bbox output; want a label number", word)
			continue
		}
		seen++
		var box [4]float64
		for i := range box {
			box[i], _ = strconv.ParseFloat(m[i+1], 64) // the pattern admits only numbers
		}
		x, y := (box[0]+box[2])/2/ptPerMM, (box[1]+box[3])/2/ptPerMM
		slot := (k - 1) % perPage
		col, row := slot%cols, slot/cols
		left, top := float64(col)*labelW, topMargin+float64(row)*labelH
		if wantPage := (k-1)/perPage + 1; page != wantPage || x < left+minSide || x > left+labelW-minSide ||
			y < top || y > top+labelH {
			t.Errorf("label %d is at (%.1f, %.1f) mm on page %d; want page %d, row %d, column %d (x %.0f-%.0f, y %.1f-%.1f)",
				k, x, y, page, wantPage, row+1, col+1, left, left+labelW, top, top+labelH)
		}
	}
	if seen != n {
		t.Errorf("found %d labels in pdftotext -bbox output, want %d", seen, n)
	}
}

// testNotice words the last page in tests; the server's comes from the message catalogue.
var testNotice = Notice{
	Title: "Labels not printed exactly",
	// As long as the catalogue's, so the page is tested with three lines of it.
	Body: "Some characters of these addresses cannot be printed; they show as \uFFFD on the label. Write those " +
		"labels by hand, or correct the customer's details and print them again. Print this page on plain " +
		"paper, not on a label sheet.",
	Label: func(l Inexact) string {
		return fmt.Sprintf("sheet %d, row %d, column %d: customer %d", l.Sheet, l.Row, l.Column, l.Number)
	},
	More: func(n int) string { return fmt.Sprintf("and %d more", n) },
}

var fontRow = regexp.MustCompile(`(?m)^(\S+)\s+(.+?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$`)

// checkEmbeddedFont asserts with pdffonts that the PDF uses the label font and nothing else, embedded and
// with a ToUnicode map, so no viewer or printer substitutes a font of its own.
func checkEmbeddedFont(t *testing.T, path string) {
	t.Helper()
	out := run(t, "pdffonts", path)
	rows := fontRow.FindAllStringSubmatch(out, -1)
	if len(rows) != 1 {
		t.Fatalf("want exactly one font, pdffonts says:\n%s", out)
	}
	name, typ, emb, uni := rows[0][1], rows[0][2], rows[0][4], rows[0][6]
	if !strings.Contains(name, strings.ToLower(fontFamily)) || typ != "CID TrueType" || emb != "yes" || uni != "yes" {
		t.Errorf("want %s as an embedded CID TrueType font with ToUnicode, pdffonts says:\n%s", fontFamily, out)
	}
	// fpdf embeds only the glyphs used, but does not tag the name as a subset (pdffonts' "sub" column),
	// so the size tells: the whole font alone is larger than this.
	if fi, err := os.Stat(path); err != nil || fi.Size() > int64(len(fontTTF))/10 {
		t.Errorf("the PDF is %d bytes; a subset of the %d-byte font should keep it far smaller", fi.Size(), len(fontTTF))
	}
}

func TestWritePrintsEveryName(t *testing.T) {
	var addrs []Address
	var want []string
	for i, name := range everyLanguage {
		next := everyLanguage[(i+1)%len(everyLanguage)]
		addrs = append(addrs, Address{Name: name, Attention: next, Street: "Gröna gången 5", PostalCode: "21120", City: "Malmö"})
		want = append(want, name, "Att: "+next, "Gröna gången 5", "211 20 MALMÖ")
	}
	long := "Fastighetsaktiebolaget Västra Götalands Förvaltning och Utveckling"
	addrs = append(addrs,
		Address{Name: "Nguye\u0302\u0303n Va\u0306n", Street: "Łódzka 1", PostalCode: "90-001", City: "Łódź", Country: "PL"},
		Address{Name: long, City: "Göteborg"})
	want = append(want, "Nguyễn Văn", "Łódzka 1", "90-001 ŁÓDŹ", "POLAND", long, "GÖTEBORG")
	path := writePDF(t, addrs)
	checkEmbeddedFont(t, path)

	// The text comes back letter for letter, line by line (-raw keeps the order drawn and every space;
	// -layout drops the spaces of a line of single letters): the ToUnicode map names every glyph drawn.
	got := strings.Split(strings.TrimRight(run(t, "pdftotext", "-raw", path, "-"), "\f\n"), "\n")
	if len(got) != len(want) {
		t.Fatalf("pdftotext found %d lines, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i, w := range want {
		if w == long {
			if cut, ok := strings.CutSuffix(got[i], "…"); !ok || !strings.HasPrefix(long, cut) || len(cut) < 20 {
				t.Errorf("line %d: %q, want the start of %q cut with an ellipsis", i+1, got[i], long)
			}
			continue
		}
		if got[i] != w {
			t.Errorf("line %d: %q, want %q", i+1, got[i], w)
		}
	}
}

// exactDPI renders 10 pixels per millimetre, so every label slot starts on a whole pixel and the same text
// renders to the same pixels in any slot.
const exactDPI = 254

func pxPerMM(mm float64) int { return int(mm * exactDPI / 25.4) }

// slotImage is the label at index i of a print, with its page's rendering.
func slotImage(pages []*image.Gray, i int) (*image.Gray, image.Point) {
	slot := i % perPage
	origin := image.Pt(pxPerMM(float64(slot%cols)*labelW), pxPerMM(topMargin+float64(slot/cols)*labelH))
	return pages[i/perPage], origin
}

// differing counts the pixels of the band [x0, x1) mm (from the text's left edge, over the label's whole
// height) that clearly differ between labels a and b.
func differing(pages []*image.Gray, a, b int, x0, x1 float64) int {
	imgA, oa := slotImage(pages, a)
	imgB, ob := slotImage(pages, b)
	n := 0
	for y := pxPerMM(0.5); y < pxPerMM(labelH-0.5); y++ {
		for x := pxPerMM(padX + x0); x < pxPerMM(padX+x1); x++ {
			d := int(imgA.GrayAt(oa.X+x, oa.Y+y).Y) - int(imgB.GrayAt(ob.X+x, ob.Y+y).Y)
			if d > 64 || d < -64 {
				n++
			}
		}
	}
	return n
}

// A rendering check for every letter beyond ASCII in everyLanguage: its label is drawn again with that one
// letter replaced by '?', by the replacement sign and by its base letter (ś → s), and each must look
// different where the letter is and exactly the same before it. That catches a '?' or a missing-glyph sign,
// and an accent lost when the font is cut down to the glyphs used (precomposed letters are built from
// parts), which pdftotext cannot see: it reads codes, not shapes.
func TestWriteDrawsEveryLetter(t *testing.T) {
	type letter struct {
		r          rune
		k          int      // its position in the name, in runes
		names      []string // the name, then the name with the letter replaced
		start, end float64  // mm from the text's left edge
	}
	pdf := newDocument()
	var letters []letter
	seen := map[rune]bool{}
	for _, name := range everyLanguage {
		runes := []rune(name)
		for k, r := range runes {
			if r < 0x80 || seen[r] {
				continue
			}
			seen[r] = true
			l := letter{r: r, k: k, names: []string{name}, start: pdf.GetStringWidth(string(runes[:k])),
				end: pdf.GetStringWidth(string(runes[:k+1]))}
			subs := []rune{'?', unsupported}
			if base := []rune(norm.NFD.String(string(r)))[0]; base != r {
				subs = append(subs, base)
			}
			for _, sub := range subs {
				v := slices.Clone(runes)
				v[k] = sub
				if w := pdf.GetStringWidth(string(v)); w > labelW-2*padX {
					t.Fatalf("%q is %.1f mm wide; the test needs every name to fit without shrinking", string(v), w)
				}
				l.names = append(l.names, string(v))
			}
			letters = append(letters, l)
		}
	}

	// A letter's labels go down one column: pdftoppm places glyphs on a quarter-pixel grid, and the columns'
	// text starts fall on different sides of it, while the rows' do not matter.
	const groupRows = 4
	const perSheet = cols * rows / groupRows
	place := func(g, j int) int {
		slot := ((g%perSheet)/cols*groupRows+j)*cols + g%cols
		return g/perSheet*perPage + slot
	}
	sheets := (len(letters) + perSheet - 1) / perSheet
	addrs := make([]Address, sheets*perPage)
	for g, l := range letters {
		for j, name := range l.names {
			addrs[place(g, j)].Name = name
		}
	}
	pages := renderPages(t, writePDF(t, addrs), exactDPI, 1, sheets)
	const edge = 0.3 // mm; a glyph's ink may reach this far past its advance
	for g, l := range letters {
		for j := 1; j < len(l.names); j++ {
			if n := differing(pages, place(g, 0), place(g, j), 0, l.start-edge); n != 0 {
				t.Errorf("%q and %q differ in %d pixels before %q: the comparison is not aligned", l.names[0], l.names[j], n, l.r)
			}
			if n := differing(pages, place(g, 0), place(g, j), l.start-edge, l.end+edge); n < 4 {
				t.Errorf("%q (U+%04X) in %q looks like %q (%d pixels differ)", l.r, l.r, l.names[0], []rune(l.names[j])[l.k], n)
			}
		}
	}
}

func TestWriteListsLabelsItCannotPrintExactly(t *testing.T) {
	addrs := customers(30)
	for i := range addrs {
		addrs[i].Number = int64(10001 + i)
	}
	addrs[1].Name = "王芳"               // sheet 1, row 1, column 2
	addrs[5].Attention = "Anna 😀 Berg" // sheet 1, row 2, column 3: a contact person counts too
	addrs[25].City = "東京"              // sheet 2, row 1, column 2
	// What the first two must look like, each in the row below (same column: see TestWriteDrawsEveryLetter).
	addrs[4], addrs[8] = addrs[1], addrs[5]
	addrs[4].Name, addrs[8].Attention = "\uFFFD\uFFFD", "Anna \uFFFD Berg"
	path := writePDF(t, addrs)
	checkEmbeddedFont(t, path)

	text := run(t, "pdftotext", "-layout", path, "-")
	pages := strings.Split(text, "\f")
	if len(pages) != 4 { // 3 pages and what follows the last form feed
		t.Fatalf("want 2 sheets and the notice, pdftotext found %d pages:\n%s", len(pages)-1, text)
	}
	for _, lacking := range []string{"王", "芳", "😀", "東京"} {
		if strings.Contains(text, lacking) {
			t.Errorf("the text claims %q, which the font cannot draw:\n%s", lacking, text)
		}
	}
	if !strings.Contains(pages[0], "Att: Anna \uFFFD Berg") || !strings.Contains(pages[1], "111 22 \uFFFD\uFFFD") || strings.Contains(text, "?") {
		t.Errorf("unprintable characters should print as the replacement sign, never '?':\n%s", text)
	}
	notice := pages[2]
	for _, want := range []string{testNotice.Title, "Some characters of these addresses", "sheet 1, row 1, column 2: customer 10002",
		"sheet 1, row 2, column 3: customer 10006", "sheet 2, row 1, column 2: customer 10026"} {
		if !strings.Contains(notice, want) {
			t.Errorf("the notice lacks %q:\n%s", want, notice)
		}
	}
	if n := strings.Count(notice, "customer "); n != 3 || strings.Contains(notice, "Anna") || strings.Contains(notice, "Kund") {
		t.Errorf("the notice should list the three labels by place and number, without names:\n%s", notice)
	}

	// The unprintable name looks exactly like the replacement signs, not like fpdf's .notdef box.
	sheet := renderPages(t, path, exactDPI, 1, 1)
	for _, pair := range [][2]int{{1, 4}, {5, 8}} {
		if n := differing(sheet, pair[0], pair[1], -padX, labelW-padX); n != 0 {
			t.Errorf("label %d differs from label %d, drawn with replacement signs, in %d pixels", pair[0]+1, pair[1]+1, n)
		}
	}
}

func TestWriteNoticeStaysOnePage(t *testing.T) {
	addrs := make([]Address, noticeLines+5)
	for i := range addrs {
		addrs[i] = Address{Number: int64(i + 1), Name: "Lǐ 李", City: "Lund"}
	}
	path := writePDF(t, addrs)
	text := run(t, "pdftotext", "-layout", path, "-")
	pages := strings.Split(text, "\f")
	notice := pages[len(pages)-2]
	if len(pages) != 4 || strings.Count(notice, "customer ") != noticeLines || !strings.Contains(notice, "and 5 more") {
		t.Errorf("want 2 sheets and a one-page notice listing %d labels and the 5 more:\n%s", noticeLines, text)
	}
	// fpdf does not break pages here, so what does not fit would run off the paper.
	bbox := run(t, "pdftotext", "-bbox", "-f", "3", "-l", "3", path, "-")
	const bottom = (297 - 10) * 72 / 25.4 // pt
	for _, m := range bboxToken.FindAllStringSubmatch(bbox, -1) {
		if y, _ := strconv.ParseFloat(m[4], 64); m[0] != "<page " && y > bottom {
			t.Errorf("%q ends %.0f pt down the page, less than 10 mm from its edge", m[5], y)
		}
	}
}

// Two prints at once share the embedded font's bytes; under -race this fails if fpdf wrote to them.
func TestWriteConcurrently(t *testing.T) {
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			var buf bytes.Buffer
			if _, err := Write(&buf, customers(30), testNotice); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

// BenchmarkWriteMaxLabels times the largest print (export.MaxLabels, 5,000 labels) and reports its size:
// go test -run NONE -bench WriteMaxLabels ./internal/labels/
func BenchmarkWriteMaxLabels(b *testing.B) {
	addrs := customers(5000)
	b.ReportAllocs()
	size := 0
	for b.Loop() {
		var buf bytes.Buffer
		if _, err := Write(&buf, addrs, testNotice); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size), "pdf-bytes")
}
