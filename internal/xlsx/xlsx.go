// Package xlsx writes a one-sheet Excel workbook as a stream: rows go straight into the zip entry of the
// sheet, so a million rows need no more memory than a thousand. (Libraries such as excelize keep the sheet
// or a temporary file until the end; this needs neither.) Text is written as inline strings, which Excel
// never evaluates as formulas.
package xlsx

import (
	"archive/zip"
	"io"
	"strconv"
	"unicode/utf8"
)

var parts = []struct{ name, body string }{
	{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`},
	{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
	{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`},
	// Style 1 is bold, for the header row.
	{"xl/styles.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs></styleSheet>`},
}

// Writer writes one sheet, row by row.
type Writer struct {
	zw    *zip.Writer
	sheet io.Writer
	rows  int
	buf   []byte
}

// New starts a workbook on w with one sheet called name.
func New(w io.Writer, name string) (*Writer, error) {
	zw := zip.NewWriter(w)
	var escaped []byte
	escaped = appendEscaped(escaped, name)
	all := append(parts[:len(parts):len(parts)], struct{ name, body string }{"xl/workbook.xml",
		`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="` +
			string(escaped) + `" sheetId="1" r:id="rId1"/></sheets></workbook>`})
	for _, p := range all {
		f, err := zw.Create(p.name)
		if err != nil {
			return nil, err
		}
		if _, err := io.WriteString(f, p.body); err != nil {
			return nil, err
		}
	}
	sheet, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return nil, err
	}
	// The header row stays in view while scrolling.
	_, err = io.WriteString(sheet, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>`)
	return &Writer{zw: zw, sheet: sheet}, err
}

// Header writes a bold row.
func (x *Writer) Header(cells ...string) error {
	vals := make([]any, len(cells))
	for i, c := range cells {
		vals[i] = c
	}
	return x.row(` s="1"`, vals)
}

// Row writes one row; each value is a string (text) or an int64 (number).
func (x *Writer) Row(cells ...any) error { return x.row("", cells) }

func (x *Writer) row(style string, cells []any) error {
	x.rows++
	b := append(x.buf[:0], `<row r="`...)
	b = strconv.AppendInt(b, int64(x.rows), 10)
	b = append(b, `">`...)
	for _, c := range cells {
		switch v := c.(type) {
		case int64:
			b = append(b, `<c`+style+`><v>`...)
			b = strconv.AppendInt(b, v, 10)
			b = append(b, `</v></c>`...)
		case string:
			b = append(b, `<c t="inlineStr"`+style+`><is><t xml:space="preserve">`...)
			b = appendEscaped(b, v)
			b = append(b, `</t></is></c>`...)
		default:
			b = append(b, `<c/>`...)
		}
	}
	b = append(b, `</row>`...)
	x.buf = b
	_, err := x.sheet.Write(b)
	return err
}

// Close ends the sheet and the workbook; it does not close the underlying writer.
func (x *Writer) Close() error {
	if _, err := io.WriteString(x.sheet, `</sheetData></worksheet>`); err != nil {
		return err
	}
	return x.zw.Close()
}

// appendEscaped escapes s for XML text, dropping characters XML 1.0 cannot hold. It appends in place:
// this runs for every cell of a million-row export.
func appendEscaped(b []byte, s string) []byte {
	for _, r := range s {
		switch {
		case r == '<':
			b = append(b, "&lt;"...)
		case r == '>':
			b = append(b, "&gt;"...)
		case r == '&':
			b = append(b, "&amp;"...)
		case r == '"':
			b = append(b, "&#34;"...)
		case r == '\r':
			b = append(b, "&#xD;"...) // a bare CR would be read as a line end
		case r == '\t' || r == '\n':
			b = append(b, byte(r))
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF || r == utf8.RuneError:
			// not allowed in XML 1.0 (or not valid UTF-8): left out
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return b
}
