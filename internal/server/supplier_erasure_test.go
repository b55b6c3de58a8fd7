package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/supplier"
	"github.com/affar/affar/internal/testutil"
)

// TestSupplierInventoryCoversTheSchema: every column of the supplier tables is declared personal in
// supplier.Inventory or explained there as not personal, and every declared column exists.
func TestSupplierInventoryCoversTheSchema(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	for _, tb := range supplier.Inventory {
		rows, err := env.DB.Pool.Query(context.Background(), `SELECT column_name::text FROM information_schema.columns
			WHERE table_schema = 'public' AND table_name = $1`, tb.Name)
		if err != nil {
			t.Fatal(err)
		}
		cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil || len(cols) == 0 {
			t.Fatalf("columns of %s: %v (%v)", tb.Name, cols, err)
		}
		declared := map[string]bool{}
		for _, c := range tb.Columns() {
			declared[c] = true
		}
		for _, c := range cols {
			if _, explained := tb.NotPersonal[c]; !declared[c] && !explained {
				t.Errorf("%s.%s is neither personal nor explained in supplier.Inventory", tb.Name, c)
			}
			delete(declared, c)
		}
		for c := range declared {
			t.Errorf("supplier.Inventory declares %s.%s, which the schema does not have", tb.Name, c)
		}
	}
}

// TestSoleTraderSupplierAnonymisedLeavesNoTrace is the completeness test for suppliers' people: a sole
// trader whose every personal column and whose contact persons hold canaries is anonymised through the
// page; then no canary is in a pg_dump of the data, the supplier stays under its number, locked, and the
// audit event names fields only. A supplier's contact person removed on its own is audited too.
func TestSoleTraderSupplierAnonymisedLeavesNoTrace(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	ctx := context.Background()
	sup := env.MustCreateSupplier(t, domain.SupplierInput{Name: "Snickare Sven Svensson"})
	other := env.MustCreateSupplier(t, domain.SupplierInput{Name: "Bolaget AB"})
	env.MustAddSupplierContact(t, sup.ID, "Svens fru")
	gone := env.MustAddSupplierContact(t, other.ID, "Kim Kontakt")
	var canaries []string
	for _, tb := range supplier.Inventory {
		for _, c := range tb.Columns() {
			canary := fmt.Sprintf("canary%s%s", strings.ReplaceAll(tb.Name, "_", ""), strings.ReplaceAll(c, "_", ""))
			if _, err := env.DB.Pool.Exec(ctx, `UPDATE `+pgx.Identifier{tb.Name}.Sanitize()+` SET `+
				pgx.Identifier{c}.Sanitize()+` = $2 WHERE `+pgx.Identifier{tb.Link}.Sanitize()+` = $1`, sup.ID, canary); err != nil {
				t.Fatal(err)
			}
			canaries = append(canaries, canary)
		}
	}
	c := env.SignedInClient(t, "inkop@example.se", false, authz.SupplierView, authz.SupplierEdit, authz.SupplierDelete)
	page := "/suppliers/" + strconv.FormatInt(int64(sup.ID), 10)
	if body := c.Get(page).Body; !strings.Contains(body, `action="`+page+`/anonymise"`) || !strings.Contains(body, "canarysuppliersemail") {
		t.Fatalf("the supplier page does not offer to anonymise, or does not show the canaries")
	}
	mustSee(t, c.PostForm(page+"/anonymise", nil)) // the box not ticked: nothing happens
	dump := func() string { return string(testutil.PGTool(t, "pg_dump", "--data-only", "--dbname="+env.DBURL)) }
	if d := dump(); !strings.Contains(d, "canarysuppliersnotes") {
		t.Fatal("the supplier was changed without the box ticked")
	}
	mustSee(t, c.PostForm(page+"/anonymise", url.Values{"confirm": {"yes"}}))
	mustSee(t, c.PostForm("/suppliers/"+strconv.FormatInt(int64(other.ID), 10)+"/contacts/"+strconv.FormatInt(gone, 10)+"/delete", nil))

	d := dump()
	for _, canary := range canaries {
		if strings.Contains(d, canary) {
			t.Errorf("pg_dump still holds %s", canary)
		}
	}
	if strings.Contains(d, "Kim Kontakt") {
		t.Error("the removed contact person is still in the dump")
	}
	body := c.Get(page).Body
	if !strings.Contains(body, domain.AnonymisedSupplierPrefix+strconv.FormatInt(sup.Number, 10)) || !strings.Contains(body, `id="anonymised"`) {
		t.Errorf("the anonymised supplier's page:\n%s", body)
	}
	if r := c.PostForm(page, url.Values{"name": {"Sven igen"}, "country": {"SE"}, "version": {"99"}}); r.Status != http.StatusConflict {
		t.Errorf("editing an anonymised supplier: %d, want 409", r.Status)
	}
	var details string
	if err := env.DB.Pool.QueryRow(ctx, `SELECT details::text FROM audit_events WHERE action = 'supplier.anonymised'
		AND entity_id = $1`, sup.ID).Scan(&details); err != nil || !strings.Contains(details, "org_number") ||
		!strings.Contains(details, "supplier_contacts") || strings.Contains(details, "canary") {
		t.Errorf("the anonymisation's audit event: %s (%v)", details, err)
	}
	var removed int
	if err := env.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE action = 'supplier.contact_removed'
		AND entity_id = $1 AND details->>'contact_id' = $2`, other.ID, strconv.FormatInt(gone, 10)).Scan(&removed); err != nil || removed != 1 {
		t.Errorf("removing a contact person: %d audit events (%v)", removed, err)
	}
}
