package labels

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"
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
	n, err := Write(&buf, nil)
	if !errors.Is(err, ErrNoLabels) || n != 0 || buf.Len() != 0 {
		t.Fatalf("Write(nil) = %d, %v with %d bytes; want 0, ErrNoLabels and no output", n, err, buf.Len())
	}
}

func TestFitShrinksThenCuts(t *testing.T) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetFont("Helvetica", "", fontSize)
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

func TestCP1252(t *testing.T) {
	tr := cp1252(fpdf.New("P", "mm", "A4", ""))
	got := tr("Åsa Öberg, Łódź, Zürich, Café… \t€ 日本")
	want := "\xc5sa \xd6berg, ?\xf3d?, Z\xfcrich, Caf\xe9\x85 ?\x80 ??"
	if got != want {
		t.Errorf("cp1252() = %q, want %q", got, want)
	}
}

// popplerTool finds one of poppler-utils' programs. Without it the test skips, unless REQUIRE_BROWSER=1 says
// that a missing tool is a failure (as in CI), the same policy as the browser tests.
func popplerTool(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if os.Getenv("REQUIRE_BROWSER") == "1" {
		t.Fatalf("no %s found and REQUIRE_BROWSER=1 (install Debian's poppler-utils)", name)
	}
	t.Skipf("no %s found (install Debian's poppler-utils, or set REQUIRE_BROWSER=1 to fail instead)", name)
	return ""
}

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
	n, err := Write(&buf, addrs)
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

// renderPage turns one page into a PNG with pdftoppm and decodes it.
func renderPage(t *testing.T, pdfPath string, page int) image.Image {
	t.Helper()
	prefix := filepath.Join(t.TempDir(), fmt.Sprintf("page%d", page))
	p := fmt.Sprint(page)
	run(t, "pdftoppm", "-png", "-r", fmt.Sprint(dpi), "-f", p, "-l", p, "-singlefile", pdfPath, prefix)
	f, err := os.Open(prefix + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
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
		img := renderPage(t, path, page)
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

func TestWriteKeepsSwedishCharacters(t *testing.T) {
	path := writePDF(t, []Address{
		{Name: "Åsa Öberg", Attention: "Ärla Ängström", Street: "Gröna gången 5", PostalCode: "21120", City: "Malmö"},
		{Name: "Café Zoë", Street: "Łódzka 1", PostalCode: "90-001", City: "Łódź", Country: "PL"},
		{Name: "Fastighetsaktiebolaget Västra Götalands Förvaltning och Utveckling", City: "Göteborg"},
	})
	text := run(t, "pdftotext", "-layout", path, "-")
	for _, want := range []string{"Åsa Öberg", "Att: Ärla Ängström", "Gröna gången 5", "211 20 MALMÖ",
		"Café Zoë", "?ódzka 1", "90-001 ?ÓD?", "POLAND", "Fastighetsaktiebolaget", "…", "GÖTEBORG"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
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
