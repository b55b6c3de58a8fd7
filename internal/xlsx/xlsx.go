// Package xlsx writes an Excel workbook as a stream: rows go straight into the zip entry of the sheet, so
// a million rows need no more memory than a thousand. (Libraries such as excelize keep the sheet or a
// temporary file until the end; this needs neither.) Text is written as inline strings, which Excel never
// evaluates as formulas; numbers as numbers; dates as date cells; empty values as no cell at all.
//
// A sheet holds at most Excel's 1,048,576 rows, the header included; rows beyond go on to a continuation
// sheet ("Kundregister 2", …) that starts with the header again, so a long export is never refused or cut
// once it has started.
package xlsx

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxRows is how many rows Excel shows on one sheet, the header included.
const MaxRows = 1 << 20

// Column widths come from the header and the first rows: a stream cannot look at every row before the
// sheet's <cols>, which the schema puts before <sheetData>. The rows measured are held back until then,
// at most lookAheadRows of them and lookAheadBytes of their XML (a few hundred kB for the register).
const (
	lookAheadRows  = 1000
	lookAheadBytes = 1 << 20
	// maxWidth caps a column (in characters) so that long notes do not push the other columns off screen.
	maxWidth = 60
)

// Styles of cellXfs in styles.xml, by index.
const (
	styleDefault = 0
	styleHeader  = 1 // bold
	styleDate    = 2 // numFmt 164, ISO date
)

// Sheet describes the workbook.
type Sheet struct {
	// Name of the first sheet and the workbook's title; continuation sheets are "Name 2", "Name 3"….
	Name string
	// Header is the first row of every sheet: bold, frozen and with an autofilter.
	Header []string
	// Modified is stamped on every zip entry and as the workbook's creation time. Zip keeps local time
	// without a zone, so pass it in the zone the reader lives in.
	Modified time.Time
}

// Writer writes the rows of a workbook, one after the other.
type Writer struct {
	zw    *zip.Writer
	opt   Sheet
	sheet *bufio.Writer // into the open sheet's zip entry: deflate and the checksum work best on large writes
	rows  []int         // rows on each sheet so far, the header included; the last one is open
	// maxRows is MaxRows but for the package's own tests, which cannot write a million rows each time.
	maxRows int
	widths  []int // in characters, measured while ahead is not nil
	ahead   []byte
	nAhead  int
	buf     []byte
}

// New starts a workbook on w. It does not write the rows' sheet until the first rows have been measured
// for the column widths, or until Close.
func New(w io.Writer, s Sheet) (*Writer, error) {
	if err := checkName(s.Name); err != nil {
		return nil, err
	}
	if s.Modified.IsZero() {
		return nil, errors.New("xlsx: no Modified time (zip entries would carry the invalid date 1980-00-00)")
	}
	x := &Writer{zw: zip.NewWriter(w), opt: s, maxRows: MaxRows, widths: make([]int, len(s.Header))}
	// Deflate's fastest level: twice the rows per second of the default level for a file 3 % larger (a
	// million-row register: 63 MB instead of 61 MB), and the rows are the export's bottleneck.
	x.zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	for _, p := range []struct{ name, body string }{
		{"_rels/.rels", rootRels},
		{"docProps/core.xml", x.coreProps()},
		{"docProps/app.xml", appProps},
		{"xl/styles.xml", styles},
	} {
		if err := x.writePart(p.name, p.body); err != nil {
			return nil, err
		}
	}
	if err := x.openSheet(); err != nil {
		return nil, err
	}
	return x, nil
}

// checkName refuses what Excel refuses as a sheet name.
func checkName(name string) error {
	if n := utf8.RuneCountInString(name); n == 0 || n > 31 || strings.ContainsAny(name, `:\/?*[]`) ||
		strings.HasPrefix(name, "'") || strings.HasSuffix(name, "'") {
		return fmt.Errorf("xlsx: sheet name %q: Excel wants 1 to 31 characters, none of : \\ / ? * [ ] and no ' at either end", name)
	}
	return nil
}

// Date is a calendar date, written as a date cell: Excel's day number, shown as yyyy-mm-dd.
type Date struct {
	year  int
	month time.Month
	day   int
}

// DateOf is the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// IsZero reports whether d is the zero Date, which is written as no cell.
func (d Date) IsZero() bool { return d == Date{} }

// dateLayout is ISO 8601, what the date cells show (this package stands alone: domain.DateLayout's value).
const dateLayout = "2006-01-02"

// String is the date as dateLayout, what the date cells show ("" for the zero Date).
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.time().Format(dateLayout)
}

func (d Date) time() time.Time { return time.Date(d.year, d.month, d.day, 0, 0, 0, 0, time.UTC) }

// serial is d's day number in Excel's 1900 date system, counted from 1899-12-30 so that it is right from
// 1 March 1900 on (Excel counts a 29 February 1900 that never was). ok is false outside the dates Excel
// can show as such, before 1 March 1900 or after 9999.
func (d Date) serial() (n int64, ok bool) {
	const unixDayOfEpoch = -25569 // 1899-12-30
	n = d.time().Unix()/86400 - unixDayOfEpoch
	return n, n >= 61 && d.year <= 9999
}

// Row writes one row. Each value is a string (text), an int64 (a number) or a Date; an empty string, a
// zero Date or nil is no cell at all, so Excel's ISBLANK and filters for empty cells see it as empty.
func (x *Writer) Row(cells ...any) error {
	if x.rows[len(x.rows)-1] == x.maxRows {
		if err := x.nextSheet(); err != nil {
			return err
		}
	}
	return x.row(styleDefault, cells)
}

func (x *Writer) row(style int, cells []any) error {
	n := &x.rows[len(x.rows)-1]
	*n++
	b := append(x.buf[:0], `<row r="`...)
	b = strconv.AppendInt(b, int64(*n), 10)
	b = append(b, `">`...)
	for i, c := range cells {
		var err error
		if b, err = x.appendCell(b, i, *n, style, c); err != nil {
			return err
		}
	}
	b = append(b, `</row>`...)
	x.buf = b
	if x.ahead == nil {
		_, err := x.sheet.Write(b)
		return err
	}
	x.ahead = append(x.ahead, b...)
	x.nAhead++
	if x.nAhead < lookAheadRows && len(x.ahead) < lookAheadBytes {
		return nil
	}
	return x.endLookAhead()
}

// appendCell appends the cell of column col in row, and measures it while the widths are still open.
func (x *Writer) appendCell(b []byte, col, row, style int, v any) ([]byte, error) {
	var width int
	switch v := v.(type) {
	case nil:
		return b, nil
	case string:
		if v == "" {
			return b, nil
		}
		b = appendCellStart(b, col, row, style, true)
		b = append(b, `<is><t xml:space="preserve">`...)
		b = appendEscaped(b, v)
		b = append(b, `</t></is></c>`...)
		width = textWidth(v)
	case int64:
		b = appendCellStart(b, col, row, style, false)
		b = append(b, `<v>`...)
		n := len(b)
		b = strconv.AppendInt(b, v, 10)
		width = len(b) - n
		b = append(b, `</v></c>`...)
	case Date:
		if v.IsZero() {
			return b, nil
		}
		serial, ok := v.serial()
		if !ok {
			// Not a day Excel can show as a date: the text keeps it readable rather than wrong.
			return x.appendCell(b, col, row, style, v.String())
		}
		b = appendCellStart(b, col, row, styleDate, false)
		b = append(b, `<v>`...)
		b = strconv.AppendInt(b, serial, 10)
		b = append(b, `</v></c>`...)
		width = len(dateLayout)
	default:
		return b, fmt.Errorf("xlsx: a cell of type %T (want string, int64 or Date)", v)
	}
	if x.ahead != nil {
		for len(x.widths) <= col {
			x.widths = append(x.widths, 0)
		}
		x.widths[col] = max(x.widths[col], width)
	}
	return b, nil
}

// appendCellStart appends a cell's start tag: its reference (Gnumeric reads a cell without one as
// invalid), its style and whether it holds an inline string.
func appendCellStart(b []byte, col, row, style int, text bool) []byte {
	b = append(b, `<c r="`...)
	b = appendRef(b, col, row)
	b = append(b, '"')
	if style != styleDefault {
		b = append(b, ` s="`...)
		b = strconv.AppendInt(b, int64(style), 10)
		b = append(b, '"')
	}
	if text {
		b = append(b, ` t="inlineStr"`...)
	}
	return append(b, '>')
}

// textWidth is the longest line of s in characters, up to maxWidth.
func textWidth(s string) int {
	longest, n := 0, 0
	for _, r := range s {
		if r == '\n' {
			n = 0
			continue
		}
		n++
		longest = max(longest, n)
		if longest >= maxWidth {
			break
		}
	}
	return longest
}

// appendRef appends the A1-style reference of a zero-based column and a one-based row.
func appendRef(b []byte, col, row int) []byte {
	b = appendColumn(b, col)
	return strconv.AppendInt(b, int64(row), 10)
}

// appendColumn appends the letters of a zero-based column: A…Z, AA….
func appendColumn(b []byte, col int) []byte {
	var letters [4]byte
	i := len(letters)
	for col++; col > 0; col = (col - 1) / 26 {
		i--
		letters[i] = byte('A' + (col-1)%26)
	}
	return append(b, letters[i:]...)
}

// openSheet starts the next sheet's entry and writes its header row. The first sheet's header is held
// back with the rows measured for the widths; later sheets reuse those widths.
func (x *Writer) openSheet() error {
	n := len(x.rows) + 1
	entry, err := x.create(fmt.Sprintf("xl/worksheets/sheet%d.xml", n))
	if err != nil {
		return err
	}
	if x.sheet == nil {
		x.sheet = bufio.NewWriterSize(entry, 64<<10)
	}
	x.sheet.Reset(entry)
	selected := ""
	if n == 1 {
		selected = ` tabSelected="1"`
	}
	// The header row stays in view while scrolling.
	if _, err := io.WriteString(x.sheet, xmlHeader+`<worksheet xmlns="`+nsMain+`" xmlns:r="`+nsRel+`"><sheetViews><sheetView`+selected+
		` workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>`); err != nil {
		return err
	}
	x.rows = append(x.rows, 0)
	if n == 1 {
		x.ahead = []byte{}
	} else if err := x.writeColumns(); err != nil {
		return err
	}
	header := make([]any, len(x.opt.Header))
	for i, h := range x.opt.Header {
		header[i] = h
	}
	return x.row(styleHeader, header)
}

// endLookAhead writes the measured widths, then the rows held back, and streams from there on.
func (x *Writer) endLookAhead() error {
	if x.ahead == nil {
		return nil
	}
	ahead := x.ahead
	x.ahead = nil
	if err := x.writeColumns(); err != nil {
		return err
	}
	_, err := x.sheet.Write(ahead)
	return err
}

// writeColumns writes <cols> and opens <sheetData>.
func (x *Writer) writeColumns() error {
	b := append(x.buf[:0], `<cols>`...)
	for i, w := range x.widths {
		b = append(b, `<col min="`...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, `" max="`...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		// Two characters of room: the header's bold and the filter button take some.
		b = append(b, `" width="`...)
		b = strconv.AppendInt(b, int64(max(w, 4)+2), 10)
		b = append(b, `" customWidth="1"/>`...)
	}
	b = append(b, `</cols><sheetData>`...)
	x.buf = b
	_, err := x.sheet.Write(b)
	return err
}

// closeSheet ends the open sheet with the autofilter over its header and rows.
func (x *Writer) closeSheet() error {
	if err := x.endLookAhead(); err != nil {
		return err
	}
	if _, err := io.WriteString(x.sheet, `</sheetData><autoFilter ref="`+x.filterRange(len(x.rows)-1, false)+
		`"/><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>`); err != nil {
		return err
	}
	return x.sheet.Flush()
}

func (x *Writer) nextSheet() error {
	if err := x.closeSheet(); err != nil {
		return err
	}
	return x.openSheet()
}

// filterRange is the range of sheet i's header and rows, A1:N1000, or $A$1:$N$1000 for a defined name.
func (x *Writer) filterRange(i int, absolute bool) string {
	dollar := ""
	if absolute {
		dollar = "$"
	}
	last := string(appendColumn(nil, max(len(x.opt.Header), 1)-1))
	return dollar + "A" + dollar + "1:" + dollar + last + dollar + strconv.Itoa(x.rows[i])
}

// sheetName is the name of sheet i (from 0): the first has the workbook's name, the others a number after
// it, the name shortened where the number would not fit in Excel's 31 characters.
func (x *Writer) sheetName(i int) string {
	if i == 0 {
		return x.opt.Name
	}
	suffix := " " + strconv.Itoa(i+1)
	name := []rune(x.opt.Name)
	return strings.TrimRight(string(name[:min(len(name), 31-len(suffix))]), "' ") + suffix
}

// Close ends the last sheet and writes the parts that name the sheets; it does not close w.
func (x *Writer) Close() error {
	if err := x.closeSheet(); err != nil {
		return err
	}
	var sheets, names, rels, types strings.Builder
	for i := range x.rows {
		n := strconv.Itoa(i + 1)
		name := x.sheetName(i)
		fmt.Fprintf(&sheets, `<sheet name="%s" sheetId="%s" r:id="rId%s"/>`, escape(name), n, n)
		// Excel keeps an autofilter's range in this hidden name too, and LibreOffice reads the filter from it.
		fmt.Fprintf(&names, `<definedName name="_xlnm._FilterDatabase" localSheetId="%d" hidden="1">%s!%s</definedName>`, i,
			escape("'"+strings.ReplaceAll(name, "'", "''")+"'"), x.filterRange(i, true))
		fmt.Fprintf(&rels, `<Relationship Id="rId%s" Type="`+nsRel+`/worksheet" Target="worksheets/sheet%s.xml"/>`, n, n)
		fmt.Fprintf(&types, `<Override PartName="/xl/worksheets/sheet%s.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, n)
	}
	stylesID := strconv.Itoa(len(x.rows) + 1)
	for _, p := range []struct{ name, body string }{
		{"xl/workbook.xml", xmlHeader + `<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `"><bookViews><workbookView activeTab="0"/></bookViews><sheets>` +
			sheets.String() + `</sheets><definedNames>` + names.String() + `</definedNames></workbook>`},
		{"xl/_rels/workbook.xml.rels", xmlHeader + `<Relationships xmlns="` + nsPkgRel + `">` + rels.String() +
			`<Relationship Id="rId` + stylesID + `" Type="` + nsRel + `/styles" Target="styles.xml"/></Relationships>`},
		{"[Content_Types].xml", xmlHeader + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` + types.String() +
			`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
			`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>` +
			`<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>`},
	} {
		if err := x.writePart(p.name, p.body); err != nil {
			return err
		}
	}
	return x.zw.Close()
}

// create starts a zip entry stamped with the export's time.
func (x *Writer) create(name string) (io.Writer, error) {
	return x.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: x.opt.Modified})
}

func (x *Writer) writePart(name, body string) error {
	w, err := x.create(name)
	if err == nil {
		_, err = io.WriteString(w, body)
	}
	return err
}

// coreProps names the workbook and when it was made, and nobody: no author or last editor, as the user's
// name would be personal data travelling with every copy of the file.
func (x *Writer) coreProps() string {
	created := x.opt.Modified.UTC().Format(time.RFC3339)
	return xmlHeader + `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
		`<dc:title>` + escape(x.opt.Name) + `</dc:title><dcterms:created xsi:type="dcterms:W3CDTF">` + created +
		`</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">` + created + `</dcterms:modified></cp:coreProperties>`
}

const (
	xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	nsMain    = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRel     = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	nsPkgRel  = "http://schemas.openxmlformats.org/package/2006/relationships"

	rootRels = xmlHeader + `<Relationships xmlns="` + nsPkgRel + `">` +
		`<Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="xl/workbook.xml"/>` +
		`<Relationship Id="rId2" Type="` + nsPkgRel + `/metadata/core-properties" Target="docProps/core.xml"/>` +
		`<Relationship Id="rId3" Type="` + nsRel + `/extended-properties" Target="docProps/app.xml"/></Relationships>`

	appProps = xmlHeader + `<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Affär</Application></Properties>`

	// styles is the smallest complete style sheet: Excel wants the two fills it reserves (none, gray125),
	// one font, border, cell style format and the Normal cell style. The cell formats (cellXfs) are
	// styleDefault, styleHeader (bold) and styleDate (numFmt 164: ISO dates, what the Swedish interface
	// shows, rather than Excel's locale-dependent built-in 14).
	styles = xmlHeader + `<styleSheet xmlns="` + nsMain + `">` +
		`<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd"/></numFmts>` +
		`<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>` +
		`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
		`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
		`<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
		`<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>` +
		`<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>` +
		`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
		`<dxfs count="0"/><tableStyles count="0"/></styleSheet>`
)

func escape(s string) string { return string(appendEscaped(nil, s)) }

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
