package bench

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/user"
)

// ImportRows is how many rows make bench-import's file has.
const ImportRows = 100_000

// importFile is a file as a Swedish spreadsheet saves the register export: semicolons, the export's
// headings, rows distinct from the seeded register (their e-mail addresses are the benchmark's own).
func importFile(rows int) []byte {
	var b bytes.Buffer
	b.WriteString("Typ;Namn;E-post;Telefon;Gatuadress;Postnummer;Ort;Land;Anteckningar\r\n")
	for i := range rows {
		fmt.Fprintf(&b, "Privatperson;Import Person %d;import%d@bench.example;070-%03d %02d %02d;Importgatan %d;%03d %02d;Umeå;SE;Importerad\r\n",
			i, i, i%1000, i%100, (i/100)%100, i%200+1, 100+i%900, i%100)
	}
	return b.Bytes()
}

// ceilingInsertSQL is the ceiling of an import: one INSERT of as many customers with the same columns,
// rolled back (no parsing, checks, preview, job or HTTP).
const ceilingInsertSQL = `INSERT INTO customers (kind, name, email, phone, street, postal_code, city, country, notes,
	created_at, updated_at, last_activity_at)
	SELECT 'person', 'Tak Person ' || i, 'tak' || i || '@bench.example', '070-111 22 33', 'Takgatan 1', '111 22', 'Umeå',
		'SE', 'Tak', now(), now(), now() FROM generate_series(1, $1) AS i`

// RunImport is make bench-import: a file of ImportRows customers is uploaded to a real server (checked and
// previewed), confirmed and imported by its job, timed per phase with the server's peak RSS, against one
// INSERT of as many customers.
func RunImport(ctx context.Context, opts Options) error {
	dbURL, email, pw, err := prepare(ctx, opts)
	if err != nil {
		return err
	}
	db, err := postgres.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	err = ensureUser(authz.WithActor(ctx, authz.System()), user.New(db, time.Now, nil), email, "Benchmark", pw,
		authz.CustomerView, authz.CustomerCreate)
	db.Close()
	if err != nil {
		return err
	}
	// Each run imports into a fresh copy of the seeded register, so every run meets the same register.
	runDB := opts.Database + "_run"
	if err := copyDatabase(ctx, opts.ServerURL, opts.Database, runDB); err != nil {
		return err
	}
	dbURL = postgres.WithDatabase(opts.ServerURL, runDB)
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	ceiling, err := timeCeilingInsert(ctx, conn, ImportRows)
	if err != nil {
		return fmt.Errorf("ceiling: %w", err)
	}
	r, err := importOnce(ctx, opts, conn, dbURL, email, pw)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.Out, "\nimport of %d rows (%d MB) into a register of %d customers, server peak RSS %s after sign-in, %s after the check, %s at the end\n\n",
		ImportRows, r.bytes>>20, opts.Customers, r.rssStart, r.rssChecked, r.rssEnd)
	fmt.Fprintf(opts.Out, "| phase | rows | time | rows/s |\n|---|---:|---:|---:|\n")
	row := func(name string, n int, d time.Duration) {
		fmt.Fprintf(opts.Out, "| %s | %d | %s | %.0f |\n", name, n, d.Round(time.Millisecond), float64(n)/d.Seconds())
	}
	row("upload, parse, check, preview (POST /customers/import)", ImportRows, r.checked)
	row("import job (confirm → done)", r.created, r.imported)
	row("whole import", r.created, r.checked+r.imported)
	row("ceiling: one INSERT of as many customers (rolled back)", ImportRows, ceiling)
	fmt.Fprintf(opts.Out, "\nimport/ceiling ratio: %.2f; whole import under a minute: %v\n", ceiling.Seconds()/(r.checked+r.imported).Seconds(),
		r.checked+r.imported < time.Minute)
	return nil
}

// importRun is what one import through a server measured.
type importRun struct {
	bytes, created               int
	checked, imported            time.Duration
	rssStart, rssChecked, rssEnd string
}

// importOnce uploads the file to a fresh server, confirms it and waits for its job.
func importOnce(ctx context.Context, opts Options, conn *pgx.Conn, dbURL, email, pw string) (importRun, error) {
	var r importRun
	cmd, base, err := serve(ctx, opts, dbURL)
	if err != nil {
		return r, err
	}
	defer stopServer(cmd)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if err := signIn(c, base, email, pw); err != nil {
		return r, err
	}
	r.rssStart = peakRSS(cmd.Process.Pid)
	file := importFile(ImportRows)
	r.bytes = len(file)
	start := time.Now()
	loc, err := postFile(ctx, c, base+"/customers/import", file)
	if err != nil {
		return r, err
	}
	r.checked, r.rssChecked = time.Since(start), peakRSS(cmd.Process.Pid)
	start = time.Now()
	resp, err := c.PostForm(base+loc+"/confirm", url.Values{"duplicates": {"skip"}})
	if err != nil {
		return r, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return r, fmt.Errorf("confirming: %d", resp.StatusCode)
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(loc, "/customers/import/"), 10, 64)
	if r.created, err = waitForImport(ctx, conn, id); err != nil {
		return r, err
	}
	r.imported, r.rssEnd = time.Since(start), peakRSS(cmd.Process.Pid)
	return r, nil
}

// timeCeilingInsert inserts n customers in one statement and rolls back.
func timeCeilingInsert(ctx context.Context, conn *pgx.Conn, n int) (time.Duration, error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	start := time.Now()
	_, err = tx.Exec(ctx, ceilingInsertSQL, n)
	return time.Since(start), err
}

// postFile uploads file to the import form and returns the preview's path.
func postFile(ctx context.Context, c *http.Client, target string, file []byte) (string, error) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, err := w.CreateFormFile("file", "kunder.csv")
	if err != nil {
		return "", err
	}
	part.Write(file)
	w.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, &body)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/customers/import/") {
		return "", fmt.Errorf("upload: %d %s", resp.StatusCode, loc)
	}
	return loc, nil
}

// waitForImport waits until import id is done and returns how many customers it created.
func waitForImport(ctx context.Context, conn *pgx.Conn, id int64) (int, error) {
	for ctx.Err() == nil {
		im, err := postgres.Import(ctx, conn, id, false)
		if err != nil {
			return 0, err
		}
		if im.Status == "done" {
			return im.Outcomes["created"], nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return 0, ctx.Err()
}
