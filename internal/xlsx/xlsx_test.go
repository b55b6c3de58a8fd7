package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// TestWorkbookIsWellFormed writes text that needs escaping, a control character XML cannot hold, a
// formula-looking cell and a number, and reads every part back as XML.
func TestWorkbookIsWellFormed(t *testing.T) {
	var buf bytes.Buffer
	x, err := New(&buf, "Kund<register>")
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Header("Namn", "Nr"); err != nil {
		t.Fatal(err)
	}
	if err := x.Row(`=HYPERLINK("http://evil") & <b> "Åsa"`+"\x01", int64(10042)); err != nil {
		t.Fatal(err)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		parts[f.Name] = string(b)
		d := xml.NewDecoder(bytes.NewReader(b))
		for {
			if _, err := d.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s is not well-formed XML: %v", f.Name, err)
			}
		}
	}
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
		"xl/styles.xml", "xl/worksheets/sheet1.xml"} {
		if _, ok := parts[name]; !ok {
			t.Errorf("part %s is missing", name)
		}
	}
	sheet := parts["xl/worksheets/sheet1.xml"]
	// The text comes back as typed (less the control character), as an inline string, never a formula.
	var ws struct {
		Rows []struct {
			Cells []struct {
				Type string `xml:"t,attr"`
				Text string `xml:"is>t"`
				V    string `xml:"v"`
				F    string `xml:"f"`
			} `xml:"c"`
		} `xml:"sheetData>row"`
	}
	if err := xml.Unmarshal([]byte(sheet), &ws); err != nil {
		t.Fatal(err)
	}
	if len(ws.Rows) != 2 || len(ws.Rows[1].Cells) != 2 {
		t.Fatalf("rows: %+v", ws.Rows)
	}
	c := ws.Rows[1].Cells
	if c[0].Type != "inlineStr" || c[0].Text != `=HYPERLINK("http://evil") & <b> "Åsa"` || c[0].F != "" {
		t.Fatalf("text cell: %+v", c[0])
	}
	if c[1].V != "10042" || c[1].Type != "" {
		t.Fatalf("number cell: %+v", c[1])
	}
	if !strings.Contains(parts["xl/workbook.xml"], `name="Kund&lt;register&gt;"`) {
		t.Fatal("the sheet name is not escaped")
	}
}
