// Package customerimport imports customers from a file (CSV or XLSX): every row checked by the form's
// rules and against existing customers, the suppression list and the objections kept from erased
// customers, previewed, and then created by a durable job (issue 18, item 3).
package customerimport

import (
	"archive/zip"
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

// Parse reads a file's rows, the first the headings: XLSX (the first sheet) when it is a zip, else CSV
// as Swedish spreadsheets write it, in UTF-8 with or without a byte-order mark or, when it is not UTF-8,
// Windows-1252, separated by semicolons or commas (whichever the heading line has more of).
func Parse(data []byte) ([][]string, error) {
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return parseXLSX(data)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		dec, err := charmap.Windows1252.NewDecoder().Bytes(data)
		if err != nil {
			return nil, ErrUnreadable
		}
		data = dec
	}
	first, _, _ := bytes.Cut(data, []byte("\n"))
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = ','
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		r.Comma = ';'
	}
	r.FieldsPerRecord = -1
	var rows [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnreadable, err)
		}
		if len(rows) > MaxRows {
			return nil, ErrTooManyRows
		}
		rows = append(rows, rec)
	}
	return rows, nil
}

// ErrTooManyRows refuses a file of more than MaxRows rows.
var ErrTooManyRows = errors.New("customer import: too many rows")

// parseXLSX reads the first sheet of a workbook: shared and inline strings and numbers as written.
func parseXLSX(data []byte) ([][]string, error) {
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, ErrUnreadable
	}
	shared, err := sharedStrings(z)
	if err != nil {
		return nil, err
	}
	f := zipFile(z, "xl/worksheets/sheet1.xml")
	if f == nil {
		return nil, ErrUnreadable
	}
	var sheet xlsxSheet
	if err := readXML(f, &sheet); err != nil {
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
