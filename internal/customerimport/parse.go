// Package customerimport imports customers from a file (CSV or XLSX): every row checked by the form's
// rules and against existing customers, the suppression list and the objections kept from erased
// customers, previewed, and then created by a durable job (issue 18, item 3).
package customerimport

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// MaxRows bounds a file, so one upload cannot fill the database.
const MaxRows = 200_000

// ErrUnreadable says a file is neither CSV nor XLSX as this package reads them.
var ErrUnreadable = errors.New("customer import: the file cannot be read")

// File is an uploaded file: read as a stream (CSV) or at random (XLSX, a zip). multipart.File is one,
// and so is a bytes.Reader.
type File interface {
	io.Reader
	io.ReaderAt
	io.Seeker
}

// Rows reads a file's rows one at a time, the first the headings; Read returns io.EOF after the last.
type Rows interface {
	Read() ([]string, error)
}

// Open reads f as XLSX (the first sheet) when it is a zip, else as CSV as Swedish spreadsheets write it:
// UTF-8 with or without a byte-order mark or, when it is not UTF-8, Windows-1252, separated by semicolons
// or commas (whichever the heading line has more of). A CSV is streamed, so memory does not grow with the
// file; a workbook's sheet is read whole.
func Open(f File) (Rows, error) {
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, ErrUnreadable
	}
	magic := make([]byte, 4)
	if n, _ := f.ReadAt(magic, 0); n == 4 && string(magic) == "PK\x03\x04" {
		rows, err := parseXLSX(f, size)
		if err != nil {
			return nil, err
		}
		return &sliceRows{rows: rows}, nil
	}
	utf8Text, err := isUTF8(f)
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, ErrUnreadable
	}
	var text io.Reader = f
	if !utf8Text {
		text = charmap.Windows1252.NewDecoder().Reader(f)
	}
	br := bufio.NewReaderSize(text, 64<<10)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	first, _ := br.Peek(64 << 10) // what there is, at most a buffer: the heading line is in it
	first, _, _ = bytes.Cut(first, []byte("\n"))
	r := csv.NewReader(br)
	r.Comma, r.FieldsPerRecord, r.ReuseRecord = ',', -1, false
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		r.Comma = ';'
	}
	return &csvRows{r: r}, nil
}

// isUTF8 reads f through and reports whether it is UTF-8 throughout.
func isUTF8(f File) (bool, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return false, ErrUnreadable
	}
	br := bufio.NewReaderSize(f, 64<<10)
	for {
		r, size, err := br.ReadRune()
		if err == io.EOF {
			return true, nil
		}
		if err != nil {
			return false, ErrUnreadable
		}
		if r == utf8.RuneError && size == 1 {
			return false, nil
		}
	}
}

// csvRows are a CSV file's records, at most MaxRows of them after the headings.
type csvRows struct {
	r *csv.Reader
	n int
}

func (c *csvRows) Read() ([]string, error) {
	rec, err := c.r.Read()
	switch {
	case err == io.EOF:
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrUnreadable, err)
	case c.n > MaxRows:
		return nil, ErrTooManyRows
	}
	c.n++
	return rec, nil
}

// sliceRows are rows read already.
type sliceRows struct {
	rows [][]string
	i    int
}

func (s *sliceRows) Read() ([]string, error) {
	if s.i == len(s.rows) {
		return nil, io.EOF
	}
	s.i++
	return s.rows[s.i-1], nil
}

// ErrTooManyRows refuses a file of more than MaxRows rows.
var ErrTooManyRows = errors.New("customer import: too many rows")

// parseXLSX reads the first sheet of a workbook: shared and inline strings and numbers as written.
func parseXLSX(f io.ReaderAt, size int64) ([][]string, error) {
	z, err := zip.NewReader(f, size)
	if err != nil {
		return nil, ErrUnreadable
	}
	shared, err := sharedStrings(z)
	if err != nil {
		return nil, err
	}
	part := zipFile(z, "xl/worksheets/sheet1.xml")
	if part == nil {
		return nil, ErrUnreadable
	}
	var sheet xlsxSheet
	if err := readXML(part, &sheet); err != nil {
		return nil, err
	}
	if len(sheet.Rows) > MaxRows+1 {
		return nil, ErrTooManyRows
	}
	rows := make([][]string, 0, len(sheet.Rows))
	for _, row := range sheet.Rows {
		var out []string
		for _, c := range row.C {
			for col := column(c.R); col >= 0 && len(out) < col; {
				out = append(out, "") // cells left empty are not written
			}
			v, err := c.value(shared)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		rows = append(rows, out)
	}
	return rows, nil
}

// xlsxSheet is what a worksheet part holds of its cells.
type xlsxSheet struct {
	Rows []struct {
		C []xlsxCell `xml:"c"`
	} `xml:"sheetData>row"`
}

type xlsxCell struct {
	R  string `xml:"r,attr"`
	T  string `xml:"t,attr"`
	V  string `xml:"v"`
	IS struct {
		T string `xml:"t"`
	} `xml:"is"`
}

// value is a cell's text: a shared string by its index, an inline string, or the value as written.
func (c xlsxCell) value(shared []string) (string, error) {
	switch c.T {
	case "s":
		i, err := strconv.Atoi(c.V)
		if err != nil || i < 0 || i >= len(shared) {
			return "", ErrUnreadable
		}
		return shared[i], nil
	case "inlineStr":
		return c.IS.T, nil
	}
	return c.V, nil
}

// sharedStrings are a workbook's shared strings, rich text runs joined.
func sharedStrings(z *zip.Reader) ([]string, error) {
	f := zipFile(z, "xl/sharedStrings.xml")
	if f == nil {
		return nil, nil
	}
	var sst struct {
		SI []struct {
			T string `xml:"t"`
			R []struct {
				T string `xml:"t"`
			} `xml:"r"`
		} `xml:"si"`
	}
	if err := readXML(f, &sst); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(sst.SI))
	for _, si := range sst.SI {
		s := si.T
		for _, r := range si.R {
			s += r.T
		}
		out = append(out, s)
	}
	return out, nil
}

// column is the zero-based column of a cell reference ("C7" is 2), or -1 without one.
func column(ref string) int {
	n := 0
	for _, r := range ref {
		if r < 'A' || r > 'Z' {
			break
		}
		n = n*26 + int(r-'A'+1)
	}
	return n - 1
}

func zipFile(z *zip.Reader, name string) *zip.File {
	for _, f := range z.File {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// maxPart bounds a part of the workbook once unpacked (a zip bomb stops there).
const maxPart = 512 << 20

func readXML(f *zip.File, v any) error {
	rc, err := f.Open()
	if err != nil {
		return ErrUnreadable
	}
	defer rc.Close()
	if err := xml.NewDecoder(io.LimitReader(rc, maxPart)).Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	return nil
}

// Columns maps the headings of a file to the customer fields they hold: the register export's headings
// (in either language), the fields' labels, or their names. fields[i] is the field of column i, "" for
// a column that is not imported.
func Columns(headings []string, names map[string]string) []string {
	out := make([]string, len(headings))
	for i, h := range headings {
		out[i] = names[normal(h)]
	}
	return out
}

// normal is a heading as it is compared: trimmed, lower case.
func normal(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
