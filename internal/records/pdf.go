package records

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

const (
	pdfMargin = 18.0
	pdfWidth  = 210.0 - 2*pdfMargin
	pdfLine   = 5.0
)

// pdfDoc is the record being drawn in the language of ctx.
type pdfDoc struct {
	ctx context.Context
	pdf *fpdf.Fpdf
}

func (p pdfDoc) t(key string, args ...string) string { return i18n.Tf(p.ctx, key, args...) }

// para prints s wrapped to the page's width at size points.
func (p pdfDoc) para(s string, size float64) {
	p.pdf.SetFontSize(size)
	p.pdf.MultiCell(pdfWidth, pdfLine*size/10, labels.Printable(s), "", "L", false)
}

// fact prints a label and its text, or "not filled in" when the text is empty.
func (p pdfDoc) fact(label, text string) {
	if strings.TrimSpace(text) == "" {
		text = p.t("records.unset")
	}
	p.para(label, 9)
	p.para(text, 10)
	p.pdf.Ln(1)
}

// WritePDF draws d, the record as read in ctx's language, to w: an A4 document with the embedded font
// every PDF of Affär uses.
func WritePDF(ctx context.Context, w io.Writer, d domain.RecordDocument) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	p := pdfDoc{ctx: ctx, pdf: pdf}
	pdf.SetTitle(p.t("records.title"), true)
	pdf.SetCreator("Affär", true)
	pdf.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	pdf.SetAutoPageBreak(true, pdfMargin)
	labels.UseFont(pdf, 10)
	pdf.AddPage()
	p.para(p.t("records.title"), 16)
	if d.Version > 0 {
		p.para(p.t("records.version_line", itoa(d.Version), d.SavedAt, d.SavedBy), 9)
	}
	pdf.Ln(3)
	p.para(p.t("records.controller"), 12)
	for _, l := range d.Controller {
		p.para(l, 10)
	}
	if d.DPO != "" {
		p.fact(p.t("records.dpo"), d.DPO)
	}
	for _, s := range d.Sections {
		p.section(s)
	}
	pdf.Ln(3)
	p.para(p.t("records.measures"), 12)
	for _, m := range d.Measures {
		p.para("• "+m, 10)
	}
	return pdf.Output(w)
}

// section prints one category of data subjects.
func (p pdfDoc) section(s domain.RecordSection) {
	p.pdf.Ln(4)
	p.para(s.Title, 13)
	p.fact(p.t("records.purpose"), s.Purpose)
	p.fact(p.t("records.basis"), s.Basis)
	p.fact(p.t("records.recipients"), s.Recipients)
	p.fact(p.t("records.transfers"), s.Transfers)
	p.fact(p.t("records.retention"), s.Retention)
	p.para(p.t("records.data"), 9)
	for _, g := range s.Data {
		p.para(g.Title+": "+strings.Join(g.Columns, ", "), 10)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
