package accesscopy

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/export"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/i18n"
)

// Names of the files in the ZIP.
const (
	JSONName     = "registerutdrag.json"
	SchemaName   = "schema.json"
	PageName     = "registerutdrag.html"
	ReadmeName   = "LASMIG.txt"
	ManifestName = "SHA256SUMS"
	EventsName   = "data/audit_events.csv"
	RequestsName = "data/subject_requests.csv"
)

// TableCSVName is the CSV file of one table.
func TableCSVName(table string) string { return "data/" + table + ".csv" }

// WriteZIP writes the copy as a ZIP: the JSON document and its schema, one CSV per table, one of the
// audit events and one of the person's requests, the printable page (page, already rendered), a read-me in the reader's language and
// SHA256SUMS, which `sha256sum -c` checks.
func WriteZIP(ctx context.Context, w io.Writer, x gdpr.Export, page []byte) error {
	doc, err := JSON(ctx, x)
	if err != nil {
		return err
	}
	schema, err := Schema(ctx, x)
	if err != nil {
		return err
	}
	files := []file{{JSONName, doc}, {SchemaName, schema}, {PageName, page}}
	for _, t := range x.Tables {
		header := make([]string, len(t.Columns))
		rows := make([][]string, len(t.Rows))
		for i, c := range t.Columns {
			header[i] = c.Name
		}
		plain := make([]bool, len(t.Columns))
		for i, c := range t.Columns {
			plain[i] = gdpr.Plain(t.PII.Name, c.Name)
		}
		for i, r := range t.Rows {
			for _, c := range t.Columns {
				rows[i] = append(rows[i], csvValue(machineValue(r[c.Name])))
			}
		}
		b, err := csvFile(header, rows, plain)
		if err != nil {
			return err
		}
		files = append(files, file{TableCSVName(t.PII.Name), b})
	}
	logs, err := eventAndRequestFiles(ctx, x)
	if err != nil {
		return err
	}
	files = append(files, logs...)
	files = append(files, file{ReadmeName, []byte(strings.ReplaceAll(
		i18n.Tf(ctx, "gdpr.zip.readme", strconv.FormatInt(x.CustomerNumber, 10), instant(x.GeneratedAt)), "\n", "\r\n"))})

	var sums strings.Builder
	for _, f := range files {
		sum := sha256.Sum256(f.body)
		fmt.Fprintf(&sums, "%s  %s\n", hex.EncodeToString(sum[:]), f.name)
	}
	files = append(files, file{ManifestName, []byte(sums.String())})
	return writeFiles(w, files, x.GeneratedAt)
}

// eventAndRequestFiles are the CSVs of the audit events and of the person's requests.
func eventAndRequestFiles(ctx context.Context, x gdpr.Export) ([]file, error) {
	events := make([][]string, len(x.Events))
	for i, e := range x.Events {
		id := ""
		if e.EntityID != nil {
			id = strconv.FormatInt(*e.EntityID, 10)
		}
		events[i] = []string{instant(e.At), e.Action, i18n.T(ctx, "action."+e.Action), e.EntityType, id, e.ActorName}
	}
	b, err := csvFile([]string{"at", "action", "action_label", "entity", "entity_id", "actor"}, events, nil)
	if err != nil {
		return nil, err
	}
	reqs := requests(x)
	rows := make([][]string, len(reqs))
	for i, r := range reqs {
		closed := ""
		if r.Closed != nil {
			closed = *r.Closed
		}
		rows[i] = []string{r.Number, strings.Join(r.Kinds, " "), r.Received, r.Status, closed}
	}
	rb, err := csvFile([]string{"number", "kinds", "received", "status", "closed"}, rows, nil)
	if err != nil {
		return nil, err
	}
	return []file{{EventsName, b}, {RequestsName, rb}}, nil
}

type file struct {
	name string
	body []byte
}

func writeFiles(w io.Writer, files []file, at time.Time) error {
	zw := zip.NewWriter(w)
	for _, f := range files {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: at.In(domain.Stockholm)})
		if err != nil {
			return fmt.Errorf("access copy zip: %w", err)
		}
		if _, err := fw.Write(f.body); err != nil {
			return fmt.Errorf("access copy zip: %w", err)
		}
	}
	return zw.Close()
}

// csvFile is a table as export.NewCSV writes CSV, free text guarded against formulas (every column but
// the plain ones).
func csvFile(header []string, rows [][]string, plain []bool) ([]byte, error) {
	var buf bytes.Buffer
	cw, err := export.NewCSV(&buf)
	if err != nil {
		return nil, err
	}
	if err := cw.Write(header); err != nil {
		return nil, err
	}
	for _, r := range rows {
		for i := range r {
			r[i] = export.Cell(r[i], i < len(plain) && plain[i])
		}
		if err := cw.Write(r); err != nil {
			return nil, err
		}
	}
	cw.Flush()
	return buf.Bytes(), cw.Error()
}

func csvValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}
