package labels

import "github.com/go-pdf/fpdf"

// UseFont adds the label font to pdf and selects it at size points, for other documents that print the
// same names (quotes): one embedded, freely licensed font for every PDF the system makes.
func UseFont(pdf *fpdf.Fpdf, size float64) {
	pdf.AddUTF8FontFromBytes(fontFamily, "", fontTTF)
	pdf.SetFont(fontFamily, "", size)
}

// Printable is s as the font draws it: what it cannot draw becomes the replacement sign (see printable).
func Printable(s string) string {
	out, _ := printable(s)
	return out
}
