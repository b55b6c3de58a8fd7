// Package sheets reads a workbook with the programs people open exports in — Gnumeric (ssconvert),
// LibreOffice (soffice) and Python's openpyxl — and says what each of them sees: per sheet, every cell as
// text, number, date or formula, so a test can compare cell by cell with what the export should hold.
//
// A missing program skips the test, unless REQUIRE_BROWSER=1 (make test, CI) makes it a failure, the
// same policy as the browser and PDF tests.
package sheets

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/affar/affar/internal/testutil/program"
)

// Kind is what a program took a cell for.
type Kind string

// Kinds of cells.
const (
	Empty   Kind = "empty"
	Text    Kind = "text"
	Number  Kind = "number"
	Date    Kind = "date"
	Formula Kind = "formula"
)

// Cell is one cell as a program read it: the text as typed, a number in decimal, a date as 2006-01-02.
type Cell struct {
	Kind  Kind
	Value string
}

func (c Cell) String() string {
	if c.Kind == Empty {
		return "empty"
	}
	return fmt.Sprintf("%s %q", c.Kind, c.Value)
}

// Sheet is one sheet as a program read it, rows from the first, each without its trailing empty cells.
type Sheet struct {
	Name string
	Rows [][]Cell
	// Filled by openpyxl only: the autofilter's range, the frozen pane's top-left cell and the widths of
	// the columns that have one, by letter.
	Filter, Frozen string
	Widths         map[string]float64
}

// Compare reports, as test errors, where a program's reading of a workbook differs from want (at most a
// few mismatches per sheet, so a wrong column does not flood the log).
func Compare(t *testing.T, program string, got, want []Sheet) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s reads %d sheets, want %d", program, len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		g, w := got[i], want[i]
		if g.Name != w.Name {
			t.Errorf("%s: sheet %d is called %q, want %q", program, i+1, g.Name, w.Name)
		}
		if len(g.Rows) != len(w.Rows) {
			t.Errorf("%s: sheet %q has %d rows, want %d", program, w.Name, len(g.Rows), len(w.Rows))
		}
		shown := 0
		for r := range min(len(g.Rows), len(w.Rows)) {
			for c := range max(len(g.Rows[r]), len(w.Rows[r])) {
				gc, wc := cellAt(g.Rows[r], c), cellAt(w.Rows[r], c)
				if gc != wc && shown < 5 {
					shown++
					t.Errorf("%s: sheet %q row %d column %d is %v, want %v", program, w.Name, r+1, c+1, gc, wc)
				}
			}
		}
	}
}

func cellAt(row []Cell, i int) Cell {
	if i < len(row) {
		return row[i]
	}
	return Cell{Kind: Empty}
}

func run(t *testing.T, cmd *exec.Cmd) []byte {
	t.Helper()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	return out
}

// Gnumeric reads path with ssconvert twice: as Gnumeric's own XML, which says what each cell holds (a
// string, a number, or a formula: no value type), and as CSV of the values as shown, which tells a date
// (a number shown as yyyy-mm-dd) from a plain number.
func Gnumeric(t *testing.T, path string) []Sheet {
	t.Helper()
	ssconvert := program.Find(t, "ssconvert", "gnumeric")
	dir := t.TempDir()
	run(t, exec.Command(ssconvert, "-T", "Gnumeric_XmlIO:sax:0", path, filepath.Join(dir, "book.xml")))
	run(t, exec.Command(ssconvert, "-S", "-T", "Gnumeric_stf:stf_assistant", "-O", "separator=; format=preserve quoting-mode=auto",
		path, filepath.Join(dir, "shown-%n.csv")))
	raw, err := os.ReadFile(filepath.Join(dir, "book.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var book struct {
		Sheets []struct {
			Name  string `xml:"Name"`
			Cells []struct {
				Row       int    `xml:"Row,attr"`
				Col       int    `xml:"Col,attr"`
				ValueType string `xml:"ValueType,attr"`
				Value     string `xml:",chardata"`
			} `xml:"Cells>Cell"`
		} `xml:"Sheets>Sheet"`
	}
	if err := xml.Unmarshal(raw, &book); err != nil {
		t.Fatalf("Gnumeric's XML: %v", err)
	}
	var out []Sheet
	for i, s := range book.Sheets {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("shown-%d.csv", i)))
		if err != nil {
			t.Fatal(err)
		}
		shown := readCSV(t, string(b))
		sheet := Sheet{Name: s.Name}
		for _, c := range s.Cells {
			cell := Cell{Kind: Formula, Value: c.Value}
			switch c.ValueType {
			case "60":
				cell.Kind = Text
			case "40":
				cell.Kind = Number
				if v := field(shown, c.Row, c.Col).value; isoDate.MatchString(v) {
					cell = Cell{Kind: Date, Value: v}
				}
			case "":
			default:
				cell.Kind = Kind("value type " + c.ValueType)
			}
			sheet.Rows = put(sheet.Rows, c.Row, c.Col, cell)
		}
		out = append(out, sheet)
	}
	return out
}

var isoDate = regexp.MustCompile(`^\d{4}-\d\d-\d\d$`)

// put sets a cell in rows, growing them as needed.
func put(rows [][]Cell, r, c int, cell Cell) [][]Cell {
	for len(rows) <= r {
		rows = append(rows, nil)
	}
	for len(rows[r]) <= c {
		rows[r] = append(rows[r], Cell{Kind: Empty})
	}
	rows[r][c] = cell
	return rows
}

// LibreOffice converts path to one CSV per sheet with soffice, in a profile of its own (a shared one
// would make parallel runs wait for each other). The CSV quotes every text cell and shows values as
// formatted, so a quoted field is text, an unquoted yyyy-mm-dd a date and other unquoted values numbers;
// a formula would show its result.
func LibreOffice(t *testing.T, path string) []Sheet {
	t.Helper()
	soffice := program.Find(t, "soffice", "libreoffice-calc-nogui")
	dir := t.TempDir()
	// Tokens: separator ;, quote ", UTF-8, from line 1, -, language, quote all text cells, -, as shown,
	// not formulas, -, every sheet (a file each, named after it).
	out := run(t, exec.Command(soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--headless",
		"--convert-to", "csv:Text - txt - csv (StarCalc):59,34,76,1,,0,true,false,true,false,false,-1", "--outdir", dir, path))
	var sheets []Sheet
	// soffice names each file after its sheet and says so in the order of the sheets.
	for _, m := range regexp.MustCompile(`Writing sheet (.+) -> (.+\.csv)`).FindAllStringSubmatch(string(out), -1) {
		b, err := os.ReadFile(m[2])
		if err != nil {
			t.Fatal(err)
		}
		s := Sheet{Name: m[1]}
		for _, rec := range readCSV(t, string(b)) {
			row := make([]Cell, len(rec))
			for i, f := range rec {
				switch {
				case f.quoted:
					row[i] = Cell{Kind: Text, Value: f.value}
				case f.value == "":
					row[i] = Cell{Kind: Empty}
				case isoDate.MatchString(f.value):
					row[i] = Cell{Kind: Date, Value: f.value}
				default:
					row[i] = Cell{Kind: Number, Value: f.value}
				}
			}
			s.Rows = append(s.Rows, trim(row))
		}
		sheets = append(sheets, s)
	}
	if len(sheets) == 0 {
		t.Fatalf("soffice wrote no sheet:\n%s", out)
	}
	return sheets
}

func trim(row []Cell) []Cell {
	for len(row) > 0 && row[len(row)-1].Kind == Empty {
		row = row[:len(row)-1]
	}
	return row
}

//go:embed openpyxl.py
var openpyxlScript string

// Openpyxl reads path with openpyxl under Debian's /usr/bin/python3 (python3-openpyxl), the library
// behind most Python scripts and notebooks that read Excel files.
func Openpyxl(t *testing.T, path string) []Sheet {
	t.Helper()
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import openpyxl").Run(); err != nil {
		program.Missing(t, "openpyxl for "+python, "python3-openpyxl")
	}
	out := run(t, exec.Command(python, "-c", openpyxlScript, path))
	var book []struct {
		Name, Filter, Frozen string
		Widths               map[string]float64
		Rows                 [][][2]string
	}
	if err := json.Unmarshal(out, &book); err != nil {
		t.Fatalf("openpyxl's answer: %v\n%s", err, out)
	}
	var sheets []Sheet
	for _, b := range book {
		s := Sheet{Name: b.Name, Filter: b.Filter, Frozen: b.Frozen, Widths: b.Widths}
		for _, r := range b.Rows {
			row := make([]Cell, len(r))
			for i, c := range r {
				row[i] = Cell{Kind: Kind(c[0]), Value: c[1]}
			}
			s.Rows = append(s.Rows, trim(row))
		}
		sheets = append(sheets, s)
	}
	return sheets
}

// field is one CSV field and whether it was quoted.
type csvField struct {
	value  string
	quoted bool
}

func field(recs [][]csvField, r, c int) csvField {
	if r < len(recs) && c < len(recs[r]) {
		return recs[r][c]
	}
	return csvField{}
}

// readCSV reads semicolon-separated values and keeps whether each field was quoted, which
// encoding/csv does not say.
func readCSV(t *testing.T, s string) [][]csvField {
	t.Helper()
	s = strings.TrimPrefix(strings.ReplaceAll(s, "\r\n", "\n"), "\uFEFF")
	var recs [][]csvField
	var rec []csvField
	for len(s) > 0 {
		var f csvField
		if s[0] == '"' {
			f.quoted = true
			var b bytes.Buffer
			i := 1
			for ; i < len(s); i++ {
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						b.WriteByte('"')
						i++
						continue
					}
					break
				}
				b.WriteByte(s[i])
			}
			if i >= len(s) {
				t.Fatalf("CSV: a quote is not closed")
			}
			f.value, s = b.String(), s[i+1:]
		} else {
			end := strings.IndexAny(s, ";\n")
			if end < 0 {
				end = len(s)
			}
			f.value, s = s[:end], s[end:]
		}
		rec = append(rec, f)
		switch {
		case strings.HasPrefix(s, ";"):
			s = s[1:]
		case strings.HasPrefix(s, "\n") || s == "":
			s = strings.TrimPrefix(s, "\n")
			recs, rec = append(recs, rec), nil
		default:
			t.Fatalf("CSV: text after a closing quote: %.20q", s)
		}
	}
	return recs
}
