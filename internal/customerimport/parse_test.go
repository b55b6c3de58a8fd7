package customerimport_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/affar/affar/internal/customerimport"
	"github.com/affar/affar/internal/testutil/program"
	"github.com/affar/affar/internal/xlsx"
)

var want = [][]string{{"Namn", "E-post", "Ort"}, {"Åsa Öberg", "asa@example.se", "Malmö"}, {"Bolaget; AB", "", "Umeå"}}

// The Swedish variants of CSV read alike: semicolons or commas, UTF-8 with or without a byte-order mark.
func TestParseCSVVariants(t *testing.T) {
	for name, file := range map[string]string{
		"semicolons":    "Namn;E-post;Ort\r\nÅsa Öberg;asa@example.se;Malmö\r\n\"Bolaget; AB\";;Umeå\r\n",
		"commas, a BOM": "\xef\xbb\xbfNamn,E-post,Ort\nÅsa Öberg,asa@example.se,Malmö\nBolaget; AB,,Umeå\n",
	} {
		got, err := customerimport.Parse([]byte(file))
		if err != nil || !equal(got, want) {
			t.Errorf("%s: %q, %v", name, got, err)
		}
	}
	if _, err := customerimport.Parse([]byte("a;b\n\"x;y\n")); err == nil {
		t.Error("a broken quote was read")
	}
}

func equal(a, b [][]string) bool {
	return slices.EqualFunc(a, b, func(x, y []string) bool { return slices.Equal(x, y) })
}

// An XLSX as LibreOffice writes it (from a CSV it converts) and as Affär's own export writes it reads as
// the CSV does.
func TestParseXLSX(t *testing.T) {
	soffice := program.Find(t, "soffice", "libreoffice-calc-nogui")
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "kunder.csv")
	if err := os.WriteFile(csvPath, []byte("Namn;E-post;Ort\nÅsa Öberg;asa@example.se;Malmö\n\"Bolaget; AB\";;Umeå\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--headless",
		"--infilter=CSV:59,34,76", "--convert-to", "xlsx", "--outdir", dir, csvPath).CombinedOutput()
	if err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "kunder.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := customerimport.Parse(data); err != nil || !equal(got, want) {
		t.Errorf("LibreOffice's XLSX: %q, %v", got, err)
	}

	var buf bytes.Buffer
	x, err := xlsx.New(&buf, xlsx.Sheet{Name: "Kunder", Header: want[0], Modified: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range want[1:] {
		if err := x.Row(r[0], r[1], r[2]); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	if got, err := customerimport.Parse(buf.Bytes()); err != nil || !equal(got, want) {
		t.Errorf("Affär's XLSX: %q, %v", got, err)
	}
}
