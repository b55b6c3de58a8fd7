package xlsx_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/affar/affar/internal/testutil/sheets"
	"github.com/affar/affar/internal/xlsx"
)

var (
	stockholm, _ = time.LoadLocation("Europe/Stockholm")
	// exported is when the test workbooks are made: a Stockholm afternoon, on an even second (zip's
	// MS-DOS time counts in twos).
	exported = time.Date(2026, 11, 27, 14, 30, 12, 0, stockholm)
)

// write makes a workbook of rows under header, with rowsPerSheet rows on a sheet (0: Excel's maximum).
func write(t testing.TB, header []string, rowsPerSheet int, rows ...[]any) []byte {
	t.Helper()
	var buf bytes.Buffer
	x, err := xlsx.New(&buf, xlsx.Sheet{Name: "Kundregister", Header: header, Modified: exported})
	if err != nil {
		t.Fatal(err)
	}
	if rowsPerSheet > 0 {
		xlsx.SetRowsPerSheet(x, rowsPerSheet)
	}
	for _, r := range rows {
		if err := x.Row(r...); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// parts opens the workbook as a zip and returns each entry's text, checking that each is well-formed XML
// and stamped with the export's time.
func parts(t *testing.T, b []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		// The MS-DOS date and time, which is all that most unzip tools and Excel read, in local time.
		d, tm := f.ModifiedDate, f.ModifiedTime //nolint:staticcheck // the fields themselves are the point
		dos := time.Date(int(d>>9)+1980, time.Month(d>>5&0xf), int(d&0x1f), int(tm>>11), int(tm>>5&0x3f), int(tm&0x1f)*2, 0, stockholm)
		if !dos.Equal(exported) || !f.Modified.Equal(exported) {
			t.Errorf("%s is stamped %s (MS-DOS %04d-%02d-%02d), want %s", f.Name, f.Modified, int(d>>9)+1980, d>>5&0xf, d&0x1f, exported)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = string(body)
		dec := xml.NewDecoder(bytes.NewReader(body))
		for {
			if _, err := dec.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s is not well-formed XML: %v", f.Name, err)
			}
		}
	}
	return out
}

// TestWorkbookParts checks the package around the rows: every part a reader needs, declared and
// related, the style sheet Excel expects in full, the title and time but nobody's name.
func TestWorkbookParts(t *testing.T) {
	p := parts(t, write(t, []string{"Namn"}, 2, []any{"Åsa"}, []any{"Bo"}))
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "docProps/core.xml", "docProps/app.xml", "xl/workbook.xml",
		"xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"} {
		if _, ok := p[name]; !ok {
			t.Errorf("part %s is missing", name)
		}
		if !strings.HasSuffix(name, ".rels") && name != "[Content_Types].xml" && !strings.Contains(p["[Content_Types].xml"], `PartName="/`+name+`"`) {
			t.Errorf("[Content_Types].xml does not declare %s", name)
		}
	}
	for rels, dir := range map[string]string{"_rels/.rels": "", "xl/_rels/workbook.xml.rels": "xl/"} {
		for _, m := range regexp.MustCompile(`Target="([^"]+)"`).FindAllStringSubmatch(p[rels], -1) {
			if _, ok := p[dir+m[1]]; !ok {
				t.Errorf("%s points at %s, which is not in the workbook", rels, m[1])
			}
		}
	}
	for _, want := range []string{`<numFmt numFmtId="164" formatCode="yyyy\-mm\-dd"/>`, `<fills count="2">`, `patternType="gray125"`,
		`<cellStyleXfs count="1">`, `<cellXfs count="3">`, `<cellStyle name="Normal" xfId="0" builtinId="0"/>`} {
		if !strings.Contains(p["xl/styles.xml"], want) {
			t.Errorf("styles.xml lacks %s", want)
		}
	}
	core := p["docProps/core.xml"]
	if !strings.Contains(core, "<dc:title>Kundregister</dc:title>") || !strings.Contains(core, ">2026-11-27T13:30:12Z</dcterms:created>") {
		t.Errorf("core.xml: %s", core)
	}
	if strings.Contains(core, "creator") || strings.Contains(core, "lastModifiedBy") {
		t.Errorf("core.xml names a person: %s", core)
	}
	if !strings.Contains(p["xl/workbook.xml"], `<definedName name="_xlnm._FilterDatabase" localSheetId="1" hidden="1">'Kundregister 2'!$A$1:$A$2</definedName>`) {
		t.Errorf("workbook.xml: %s", p["xl/workbook.xml"])
	}
}

// sheetXML is the part of a worksheet the tests look at.
type sheetXML struct {
	Cols []struct {
		Min   int     `xml:"min,attr"`
		Width float64 `xml:"width,attr"`
	} `xml:"cols>col"`
	Rows []struct {
		R     int `xml:"r,attr"`
		Cells []struct {
			R     string    `xml:"r,attr"`
			Type  string    `xml:"t,attr"`
			Style string    `xml:"s,attr"`
			Text  string    `xml:"is>t"`
			V     string    `xml:"v"`
			F     *struct{} `xml:"f"`
		} `xml:"c"`
	} `xml:"sheetData>row"`
	Filter struct {
		Ref string `xml:"ref,attr"`
	} `xml:"autoFilter"`
}

func parseSheet(t *testing.T, s string) sheetXML {
	t.Helper()
	var ws sheetXML
	if err := xml.Unmarshal([]byte(s), &ws); err != nil {
		t.Fatal(err)
	}
	return ws
}

// TestCells writes each kind of value and reads the sheet's XML: every cell has its A1 reference (Gnumeric
// reads a sheet without them as empty), text is an inline string and never a formula, numbers and dates
// are numbers (a date a day count in the date style), empty values are no cell at all.
func TestCells(t *testing.T) {
	p := parts(t, write(t, []string{"Nr", "Namn", "Skapad", "Telefon"}, 0,
		[]any{int64(10042), `=HYPERLINK("http://evil") & <b> "Åsa"` + "\x01", xlsx.DateOf(time.Date(2026, 11, 27, 23, 30, 0, 0, stockholm)), "+46 70 123 45 67"},
		[]any{int64(-7), "", xlsx.DateOf(time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC)), nil},
		[]any{nil, "Bo", xlsx.Date{}, ""},
		[]any{int64(3), "Gammal", xlsx.DateOf(time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC))},
	))
	ws := parseSheet(t, p["xl/worksheets/sheet1.xml"])
	type cell struct{ ref, typ, style, text, v string }
	var got [][]cell
	for i, r := range ws.Rows {
		if r.R != i+1 {
			t.Errorf("row %d has r=%d", i+1, r.R)
		}
		var row []cell
		for _, c := range r.Cells {
			if c.F != nil {
				t.Errorf("cell %s is a formula", c.R)
			}
			row = append(row, cell{c.R, c.Type, c.Style, c.Text, c.V})
		}
		got = append(got, row)
	}
	want := [][]cell{
		{{"A1", "inlineStr", "1", "Nr", ""}, {"B1", "inlineStr", "1", "Namn", ""}, {"C1", "inlineStr", "1", "Skapad", ""}, {"D1", "inlineStr", "1", "Telefon", ""}},
		// The control character is dropped (XML cannot hold it); 2026-11-27 is Excel's day 46353.
		{{"A2", "", "", "", "10042"}, {"B2", "inlineStr", "", `=HYPERLINK("http://evil") & <b> "Åsa"`, ""}, {"C2", "", "2", "", "46353"},
			{"D2", "inlineStr", "", "+46 70 123 45 67", ""}},
		// 1 March 1900 is day 61: Excel counts a 29 February 1900 that never was.
		{{"A3", "", "", "", "-7"}, {"C3", "", "2", "", "61"}},
		{{"B4", "inlineStr", "", "Bo", ""}},
		// Before 1 March 1900 Excel's day numbers are off by one: the date stays readable as text.
		{{"A5", "", "", "", "3"}, {"B5", "inlineStr", "", "Gammal", ""}, {"C5", "inlineStr", "", "1899-12-31", ""}},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("cells:\n got %v\nwant %v", got, want)
	}
	if ws.Filter.Ref != "A1:D5" {
		t.Errorf("autofilter %q, want A1:D5", ws.Filter.Ref)
	}
}

// TestColumnWidths: the widths fit the header and the rows looked ahead at, up to a cap, and every row
// comes out in order across the end of the look-ahead.
func TestColumnWidths(t *testing.T) {
	rows := [][]any{{int64(1234567), "kort", xlsx.DateOf(exported), strings.Repeat("lång anteckning ", 20)}}
	for i := range 2500 {
		rows = append(rows, []any{int64(i), "x", nil, ""})
	}
	// Far beyond the look-ahead: a wider value there does not widen the column (it cannot any more).
	rows = append(rows, []any{int64(1), strings.Repeat("y", 40)})
	ws := parseSheet(t, parts(t, write(t, []string{"Kundnummer", "Namn", "Skapad", "Anteckningar"}, 0, rows...))["xl/worksheets/sheet1.xml"])
	var widths []float64
	for _, c := range ws.Cols {
		widths = append(widths, c.Width)
	}
	// Header or content plus two characters; the notes capped at 60.
	if fmt.Sprint(widths) != fmt.Sprint([]float64{12, 6, 12, 62}) {
		t.Errorf("widths %v, want [12 6 12 62]", widths)
	}
	if len(ws.Rows) != len(rows)+1 {
		t.Fatalf("%d rows, want %d", len(ws.Rows), len(rows)+1)
	}
	for i, r := range ws.Rows {
		if r.R != i+1 || (i >= 2 && i < len(rows) && r.Cells[0].V != strconv.Itoa(i-2)) {
			t.Fatalf("row %d out of order: r=%d %+v", i+1, r.R, r.Cells)
		}
	}
}

// TestContinuationSheets: past a sheet's rows (four here, a million in Excel) the rows go on on a new
// sheet that starts with the header again; Gnumeric, LibreOffice and openpyxl all read every row, each
// sheet's autofilter and frozen header, dates as dates and text as text.
func TestContinuationSheets(t *testing.T) {
	header := []string{"Nr", "Namn", "Skapad"}
	day := func(d int) xlsx.Date { return xlsx.DateOf(time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC)) }
	var rows [][]any
	for i := range 7 {
		rows = append(rows, []any{int64(i + 1), "=" + strconv.Itoa(i) + "+1", day(i + 1)})
	}
	rows[4][1] = "" // an empty value is an empty cell everywhere
	path := filepath.Join(t.TempDir(), "kundregister.xlsx")
	if err := os.WriteFile(path, write(t, header, 4, rows...), 0o600); err != nil {
		t.Fatal(err)
	}
	h := []sheets.Cell{{Kind: sheets.Text, Value: "Nr"}, {Kind: sheets.Text, Value: "Namn"}, {Kind: sheets.Text, Value: "Skapad"}}
	want := []sheets.Sheet{{Name: "Kundregister", Rows: [][]sheets.Cell{h}}, {Name: "Kundregister 2", Rows: [][]sheets.Cell{h}},
		{Name: "Kundregister 3", Rows: [][]sheets.Cell{h}}}
	for i, r := range rows {
		row := []sheets.Cell{{Kind: sheets.Number, Value: strconv.Itoa(i + 1)}, {Kind: sheets.Text, Value: r[1].(string)},
			{Kind: sheets.Date, Value: fmt.Sprintf("2026-03-%02d", i+1)}}
		if r[1] == "" {
			row[1] = sheets.Cell{Kind: sheets.Empty}
		}
		want[i/3].Rows = append(want[i/3].Rows, row)
	}
	sheets.Compare(t, "Gnumeric", sheets.Gnumeric(t, path), want)
	sheets.Compare(t, "LibreOffice", sheets.LibreOffice(t, path), want)
	got := sheets.Openpyxl(t, path)
	sheets.Compare(t, "openpyxl", got, want)
	for i, s := range got {
		wantFilter := "A1:C" + strconv.Itoa(len(want[min(i, 2)].Rows))
		if s.Filter != wantFilter || s.Frozen != "A2" || len(s.Widths) != 3 {
			t.Errorf("openpyxl: sheet %q has filter %q, frozen %q, widths %v; want %s, A2 and three widths", s.Name, s.Filter, s.Frozen, s.Widths, wantFilter)
		}
	}
}

// TestRowLimitAtExcelsMaximum writes one row more than Excel's sheet holds: the last row of the first
// sheet is Excel's row 1,048,576 and the one after it opens a second sheet. The rows are empty but for
// the last few (rows count, whatever they hold), which keeps it to seconds under the race detector.
func TestRowLimitAtExcelsMaximum(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a million rows")
	}
	var buf bytes.Buffer
	x, err := xlsx.New(&buf, xlsx.Sheet{Name: "Kundregister", Header: []string{"Nr"}, Modified: exported})
	if err != nil {
		t.Fatal(err)
	}
	for i := range int64(xlsx.MaxRows) {
		var cells []any
		if i >= xlsx.MaxRows-3 {
			cells = append(cells, i+1)
		}
		if err := x.Row(cells...); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	last := map[string]string{}
	for _, f := range zr.File {
		if !strings.HasPrefix(f.Name, "xl/worksheets/") {
			continue
		}
		rc, _ := f.Open()
		sc := bufio.NewScanner(rc)
		sc.Buffer(nil, 1<<20)
		sc.Split(func(data []byte, atEOF bool) (int, []byte, error) { // one row at a time
			if i := bytes.Index(data, []byte("</row>")); i >= 0 {
				return i + 6, data[:i], nil
			}
			if atEOF {
				return len(data), nil, nil
			}
			return 0, nil, nil
		})
		for sc.Scan() {
			if len(sc.Bytes()) > 0 {
				last[f.Name] = string(sc.Bytes()[bytes.LastIndex(sc.Bytes(), []byte("<row ")):])
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	if want := `<row r="1048576"><c r="A1048576"><v>1048575</v></c>`; last["xl/worksheets/sheet1.xml"] != want {
		t.Errorf("the first sheet ends with %s, want %s", last["xl/worksheets/sheet1.xml"], want)
	}
	if want := `<row r="2"><c r="A2"><v>1048576</v></c>`; last["xl/worksheets/sheet2.xml"] != want {
		t.Errorf("the second sheet ends with %s, want %s", last["xl/worksheets/sheet2.xml"], want)
	}
}

func TestRefusals(t *testing.T) {
	for _, name := range []string{"", "Kund/register", "[Kunder]", strings.Repeat("x", 32), "'Kunder'"} {
		if _, err := xlsx.New(io.Discard, xlsx.Sheet{Name: name, Modified: exported}); err == nil {
			t.Errorf("sheet name %q accepted; Excel refuses it", name)
		}
	}
	if _, err := xlsx.New(io.Discard, xlsx.Sheet{Name: "Kunder"}); err == nil {
		t.Error("a workbook without a time accepted (its zip entries would be dated 1980-00-00)")
	}
	x, err := xlsx.New(io.Discard, xlsx.Sheet{Name: "Kunder", Modified: exported})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Row(3.14); err == nil {
		t.Error("a float64 cell accepted (the writer does not know how to write it)")
	}
}

// BenchmarkRegister writes register-like rows (14 columns: a number, text, two dates, empty cells) to
// nowhere and reports rows/s and the peak of the heap. go test -run - -bench Register -benchtime 1100000x
func BenchmarkRegister(b *testing.B) {
	header := strings.Split("Kundnummer Typ Namn Person-/organisationsnummer E-post Telefon Gatuadress Postnummer Ort Land Samtycke Skapad Senaste Anteckningar", " ")
	day := xlsx.DateOf(exported)
	var peak uint64
	var ms runtime.MemStats
	x, err := xlsx.New(io.Discard, xlsx.Sheet{Name: "Kundregister", Header: header, Modified: exported})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		err := x.Row(int64(10000+i), "Privatperson", "Åsa Öberg", "19690220-1234", "asa.oberg@example.se", "+46 70 123 45 67",
			"Storgatan 12 B", "903 26", "Umeå", "SE", "ja", day, day, "")
		if err != nil {
			b.Fatal(err)
		}
		if i%100_000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}
	if err := x.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}
