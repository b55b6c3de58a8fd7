package bench

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// The mix's table must give each statement only what ran between the two readings, largest first, with
// the parts summing to the whole; a statement that did not run in between is left out.
func TestTimeSharesAreWhatRanBetweenReadings(t *testing.T) {
	before := map[string]statementUse{
		"SELECT count(*) FROM customers c WHERE c.search_text LIKE $1": {calls: 10, ms: 1000},
		"SELECT s.data FROM sessions s WHERE s.token = $1":             {calls: 100, ms: 10},
		"SELECT 1": {calls: 5, ms: 5},
	}
	after := map[string]statementUse{
		"SELECT count(*) FROM customers c WHERE c.search_text LIKE $1": {calls: 13, ms: 1060},
		"SELECT s.data FROM sessions s WHERE s.token = $1":             {calls: 400, ms: 40},
		"SELECT 1": {calls: 5, ms: 5},
		"WITH m AS MATERIALIZED (SELECT c.id FROM customers c)": {calls: 1, ms: 100},
	}
	got := timeShares(before, after)
	if len(got) != 3 {
		t.Fatalf("%d statements, want the 3 that ran: %+v", len(got), got)
	}
	want := []struct {
		calls int64
		ms    float64
	}{{1, 100}, {3, 60}, {300, 30}}
	sum := 0.0
	for i, w := range want {
		if got[i].calls != w.calls || got[i].ms != w.ms {
			t.Errorf("statement %d: %d calls, %.0f ms; want %d, %.0f", i, got[i].calls, got[i].ms, w.calls, w.ms)
		}
		sum += got[i].share
	}
	if got[0].share != 100.0/190 || sum < 0.999 || sum > 1.001 {
		t.Errorf("shares %.3f (first), %.3f (sum); want %.3f and 1", got[0].share, sum, 100.0/190)
	}

	var out bytes.Buffer
	printTimeShares(&out, got, 2)
	for _, line := range []string{"| `WITH m AS MATERIALIZED (SELECT c.id FROM customers c)` | 1 | 100.00 ms | 53 % |",
		"| the other 1 | | | 16 % |"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("table lacks %q:\n%s", line, out.String())
		}
	}
}

// A statement is shown by its start and its WHERE, since many begin with the same long column list.
func TestAbbreviateKeepsTheWhere(t *testing.T) {
	q := `SELECT c."id", c."number", c."kind", c."name", c."id_number", c."email" FROM customers c WHERE c.search_text LIKE $1 ORDER BY c.name`
	got := abbreviate(q)
	if !strings.HasPrefix(got, `SELECT c."id", c."number", c."kind", c."name"…`) || !strings.Contains(got, " WHERE c.search_text LIKE $1") {
		t.Errorf("abbreviate = %q", got)
	}
	if short := "SELECT 1 WHERE true"; abbreviate(short) != short {
		t.Errorf("abbreviate(%q) = %q", short, abbreviate(short))
	}
}

// Statements per request are the calls between the readings divided by the requests, most frequent first.
func TestPerRequestCountsWhatRanBetweenReadings(t *testing.T) {
	before := map[string]statementUse{"begin": {calls: 10}, "SELECT s.data": {calls: 10}, "SELECT 1": {calls: 3}}
	after := map[string]statementUse{"begin": {calls: 60}, "SELECT s.data": {calls: 110}, "SELECT 1": {calls: 3},
		"commit": {calls: 50}}
	got, total := perRequest(before, after, 50)
	want := []statementCount{{"SELECT s.data", 2}, {"begin", 1}, {"commit", 1}}
	if total != 4 || !slices.Equal(got, want) {
		t.Errorf("perRequest = %v, %.1f; want %v, 4", got, total, want)
	}
}
