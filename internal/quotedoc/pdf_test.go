package quotedoc_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/quotedoc"
	"github.com/affar/affar/internal/testutil/program"
)

// pdfText is the text of a PDF as pdftotext reads it, pages split at form feeds; NBSP as a space.
func pdfText(t *testing.T, pdf []byte) []string {
	t.Helper()
	pdftotext := program.Find(t, "pdftotext", "poppler-utils")
	path := filepath.Join(t.TempDir(), "quote.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext, "-layout", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimRight(strings.ReplaceAll(string(out), "\u00a0", " "), "\f"), "\f")
}

// A quote longer than a page goes on over pages with the headings again, every line printed once, page
// numbers "of" the total, the terms' paragraphs as typed, and the document in English when the company
// writes its documents in English.
func TestLongQuoteInEnglish(t *testing.T) {
	var lines []domain.QuoteLine
	for i := range 60 {
		lines = append(lines, domain.QuoteLine{Description: "Line " + strconv.Itoa(i) + " of work", QtyMilli: 1500, UnitPriceOre: 10000, VATRate: 25})
	}
	q := domain.Quote{Number: 1042, QuoteDate: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		ValidUntil: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Lines: lines, Totals: domain.Totals(lines)}
	company := domain.CompanyDetails{Name: "Måleri Öst AB", QuoteTerms: "Payment within 30 days.\nPrices in SEK.", Language: "en"}
	var b bytes.Buffer
	ctx := i18n.WithLang(context.Background(), quotedoc.Lang(company))
	if err := quotedoc.Write(ctx, &b, quotedoc.Input{Company: company, Quote: q, Billing: domain.Billing{Name: "Kund AB"}}); err != nil {
		t.Fatal(err)
	}
	pages := pdfText(t, b.Bytes())
	all := strings.Join(pages, "\n")
	if len(pages) != 2 || !strings.Contains(pages[0], "Page 1 of 2") || !strings.Contains(pages[1], "Page 2 of 2") {
		t.Fatalf("%d pages, want 2 numbered of 2:\n%s", len(pages), all)
	}
	for i := range 60 {
		if n := strings.Count(all, "Line "+strconv.Itoa(i)+" of work"); n != 1 {
			t.Errorf("line %d printed %d times", i, n)
		}
	}
	for _, want := range []string{"Quote no.", "Description", "Total including VAT", "9 000,00 kr", "11 250,00 kr", "Payment within 30 days.\n"} {
		if !strings.Contains(all, want) {
			t.Errorf("the document lacks %q:\n%s", want, all)
		}
	}
	if !strings.Contains(pages[1], "Description") {
		t.Errorf("page 2 repeats no headings:\n%s", pages[1])
	}
	if got := quotedoc.Filename(ctx, q.Number); got != "Quote-1042.pdf" {
		t.Errorf("file name %q", got)
	}
}
