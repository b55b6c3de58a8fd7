// Package quotedoc is the printable quote: a PDF with the company's details, the customer's billing
// address, the lines, VAT per rate and the totals, and the terms, in the company's document language. Its
// service hands the PDF out and e-mails it through the outbox; the SQL stays in package postgres.
package quotedoc

import (
	"context"
	"io"
	"strconv"
	"strings"

	"github.com/go-pdf/fpdf"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/labels"
)

// Page geometry in millimetres (A4) and font sizes in points.
const (
	pageW, pageH = 210.0, 297.0
	margin       = 20.0
	contentW     = pageW - 2*margin
	footerY      = pageH - 17 // the footer line; content stops above it
	lineH        = 5.0
	smallH       = 4.2
	rowGap       = 1.2 // between lines of the table, so a wrapped description reads as one line
	textSize     = 10.0
	smallSize    = 8.0
)

// columns of the line table: width and alignment.
var columns = []struct {
	key   string
	width float64
	align string
}{
	{"quote.line.description", 72, "L"}, {"quote.line.quantity", 18, "R"}, {"quote.line.unit_price", 30, "R"},
	{"quote.line.vat", 16, "R"}, {"quote.line.net", 34, "R"},
}

// Input is what the document prints: the company, the quote and the billing details it goes to (the
// snapshot of a sent quote, the customer's current details for a draft).
type Input struct {
	Company domain.CompanyDetails
	Quote   domain.Quote
	Billing domain.Billing
}

// Lang is the language documents are written in: the company's choice (customers have none), Swedish
// unless set.
func Lang(c domain.CompanyDetails) string {
	if domain.ValidLanguage(c.Language) {
		return c.Language
	}
	return i18n.Default
}

// Filename names the PDF of quote number in the document's language ("Offert-1001.pdf").
func Filename(ctx context.Context, number int64) string {
	return i18n.Tf(ctx, "quotedoc.filename", strconv.FormatInt(number, 10))
}

// doc is a document being drawn, with the text of ctx's language.
type doc struct {
	ctx context.Context
	pdf *fpdf.Fpdf
	in  Input
}

func (d doc) t(key string, args ...string) string {
	return labels.Printable(i18n.Tf(d.ctx, key, args...))
}

// Write draws the quote document of in to w, its text in ctx's language.
func Write(ctx context.Context, w io.Writer, in Input) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	d := doc{ctx: ctx, pdf: pdf, in: in}
	// Metadata stays generic: a PDF is forwarded and archived, and its properties are easy to overlook.
	pdf.SetTitle(d.t("quotedoc.title")+" "+strconv.FormatInt(in.Quote.Number, 10), true)
	pdf.SetCreator("Affär", true)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCellMargin(0)
	pdf.AliasNbPages("{nb}")
	labels.UseFont(pdf, textSize)
	pdf.SetFooterFunc(d.footer)
	pdf.AddPage()
	d.header()
	d.recipient()
	d.lines()
	d.totals()
	d.terms()
	return pdf.Output(w)
}

// text prints s at the current position in a cell of width w, then moves to the next line.
func (d doc) text(w, h float64, s, align string) {
	d.pdf.CellFormat(w, h, labels.Printable(s), "", 2, align, false, 0, "")
}

// header prints the company's name and address on the left, the title, number and dates on the right.
func (d doc) header() {
	c, q, pdf := d.in.Company, d.in.Quote, d.pdf
	pdf.SetXY(margin, margin)
	pdf.SetFontSize(16)
	d.text(100, 8, c.Name, "L")
	pdf.SetFontSize(textSize)
	for _, l := range []string{c.Street, strings.TrimSpace(c.PostalCode + " " + c.City)} {
		if l != "" {
			d.text(100, lineH, l, "L")
		}
	}
	pdf.SetXY(pageW-margin-70, margin)
	pdf.SetFontSize(18)
	pdf.CellFormat(70, 8, d.t("quotedoc.title"), "", 2, "R", false, 0, "")
	pdf.SetFontSize(textSize)
	facts := [][2]string{
		{d.t("quote.number"), strconv.FormatInt(q.Number, 10)},
		{d.t("quote.date"), q.QuoteDate.Format(domain.DateLayout)},
		{d.t("quote.valid_until"), q.ValidUntil.Format(domain.DateLayout)},
	}
	for _, f := range facts {
		pdf.SetX(pageW - margin - 70)
		pdf.CellFormat(35, lineH, f[0], "", 0, "L", false, 0, "")
		pdf.CellFormat(35, lineH, f[1], "", 1, "R", false, 0, "")
	}
}

// recipient prints the billing name and address where a window envelope shows it.
func (d doc) recipient() {
	b, pdf := d.in.Billing, d.pdf
	pdf.SetXY(margin, 50)
	pdf.SetFontSize(smallSize)
	d.text(90, smallH, d.t("quotedoc.customer"), "L")
	pdf.SetFontSize(textSize)
	for _, l := range []string{b.Name, b.Street, strings.TrimSpace(b.PostalCode + " " + b.City)} {
		if l != "" {
			d.text(90, lineH, l, "L")
		}
	}
}

// lines prints the table of lines, starting a new page (with the headings again) when one is full.
func (d doc) lines() {
	pdf := d.pdf
	pdf.SetXY(margin, 85)
	d.tableHead()
	for _, l := range d.in.Quote.Lines {
		net := "—"
		if n, err := l.Net(); err == nil {
			net = domain.FormatKronor(n)
		}
		desc := pdf.SplitText(labels.Printable(l.Description), columns[0].width-2)
		h := float64(max(len(desc), 1))*lineH + rowGap
		if pdf.GetY()+h > footerY-5 {
			pdf.AddPage()
			pdf.SetXY(margin, margin)
			d.tableHead()
		}
		y := pdf.GetY()
		for i, s := range desc {
			pdf.SetXY(margin, y+float64(i)*lineH)
			pdf.CellFormat(columns[0].width, lineH, s, "", 0, "L", false, 0, "")
		}
		pdf.SetXY(margin+columns[0].width, y)
		cells := []string{domain.FormatQuantity(l.QtyMilli), domain.FormatKronor(l.UnitPriceOre), strconv.Itoa(l.VATRate) + " %", net}
		for i, s := range cells {
			pdf.CellFormat(columns[i+1].width, lineH, s, "", 0, columns[i+1].align, false, 0, "")
		}
		pdf.SetXY(margin, y+h)
	}
}

// tableHead prints the column headings with a rule under them.
func (d doc) tableHead() {
	pdf := d.pdf
	pdf.SetFontSize(smallSize)
	for _, c := range columns {
		pdf.CellFormat(c.width, lineH+1, d.t(c.key), "B", 0, c.align, false, 0, "")
	}
	pdf.Ln(lineH + 2)
	pdf.SetFontSize(textSize)
}

// totals prints the net, VAT per rate and the total on the right, under the lines.
func (d doc) totals() {
	t, pdf := d.in.Quote.Totals, d.pdf
	money := func(ore int64) string {
		if t.Exceeded { // stored before the cap: no amount is made up
			return "—"
		}
		return domain.FormatKronor(ore)
	}
	rows := [][2]string{{d.t("quote.net"), money(t.NetOre)}}
	for _, rate := range domain.VATRates {
		if net, ok := t.NetByRate[rate]; ok {
			rows = append(rows, [2]string{d.t("quote.vat_of", strconv.Itoa(rate), money(net)), money(t.VATByRate[rate])})
		}
	}
	if pdf.GetY()+float64(len(rows)+2)*lineH > footerY-5 {
		pdf.AddPage()
		pdf.SetXY(margin, margin)
	}
	pdf.SetY(pdf.GetY() + 2)
	pdf.Line(margin, pdf.GetY(), pageW-margin, pdf.GetY())
	pdf.SetY(pdf.GetY() + 2)
	for _, r := range rows {
		pdf.SetX(margin + 50)
		pdf.CellFormat(contentW-50-columns[4].width, lineH, r[0], "", 0, "R", false, 0, "")
		pdf.CellFormat(columns[4].width, lineH, r[1], "", 1, "R", false, 0, "")
	}
	pdf.SetFontSize(12)
	pdf.SetX(margin + 50)
	pdf.CellFormat(contentW-50-columns[4].width, lineH+2, d.t("quote.total"), "T", 0, "R", false, 0, "")
	pdf.CellFormat(columns[4].width, lineH+2, money(t.TotalOre), "T", 1, "R", false, 0, "")
	pdf.SetFontSize(textSize)
}

// terms prints the company's quote terms under the totals, if it has any.
func (d doc) terms() {
	terms := strings.TrimSpace(d.in.Company.QuoteTerms)
	if terms == "" {
		return
	}
	pdf := d.pdf
	var body []string
	for _, para := range strings.Split(strings.ReplaceAll(terms, "\r\n", "\n"), "\n") {
		if para = strings.TrimSpace(para); para == "" {
			body = append(body, "")
			continue
		}
		body = append(body, pdf.SplitText(labels.Printable(para), contentW)...)
	}
	if pdf.GetY()+float64(len(body)+2)*lineH > footerY-5 {
		pdf.AddPage()
		pdf.SetXY(margin, margin)
	}
	pdf.SetXY(margin, pdf.GetY()+8)
	pdf.SetFontSize(smallSize)
	d.text(contentW, smallH, d.t("quotedoc.terms"), "L")
	pdf.SetFontSize(textSize)
	for _, l := range body {
		if pdf.GetY()+lineH > footerY-2 {
			pdf.AddPage()
			pdf.SetXY(margin, margin)
		}
		pdf.CellFormat(contentW, lineH, l, "", 2, "L", false, 0, "")
	}
}

// footer prints the company's registration details and how to reach it, and the page number.
func (d doc) footer() {
	c, pdf := d.in.Company, d.pdf
	var parts []string
	for _, p := range [][2]string{{"", c.Name}, {"quotedoc.org_number", c.OrgNumber}, {"quotedoc.vat_number", c.VATNumber},
		{"quotedoc.email", c.Email}, {"quotedoc.phone", c.Phone}} {
		switch {
		case p[1] == "":
		case p[0] == "":
			parts = append(parts, p[1])
		default:
			parts = append(parts, d.t(p[0])+" "+p[1])
		}
	}
	pdf.Line(margin, footerY, pageW-margin, footerY)
	pdf.SetFontSize(smallSize)
	pdf.SetXY(margin, footerY+1.5)
	pdf.CellFormat(contentW-25, smallH, labels.Printable(strings.Join(parts, " · ")), "", 0, "L", false, 0, "")
	pdf.CellFormat(25, smallH, d.t("quotedoc.page", strconv.Itoa(pdf.PageNo()), "{nb}"), "", 0, "R", false, 0, "")
	pdf.SetFontSize(textSize)
}
