package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil"
)

func TestSupplierAndCustomerPermissionsAreIndependent(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	sup := env.MustCreateSupplier(t, domain.SupplierInput{Name: "Ek Bygg AB"})
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Eva Ek"})
	_, supPW := env.MustCreateUser(t, "buyer@example.se", false, authz.SupplierView)
	_, custPW := env.MustCreateUser(t, "seller@example.se", false, authz.CustomerView)
	buyer, seller := env.NewClient(t), env.NewClient(t)
	buyer.SignIn("buyer@example.se", supPW)
	seller.SignIn("seller@example.se", custPW)

	if r := buyer.Get("/suppliers"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Ek Bygg AB") {
		t.Errorf("supplier viewer on the supplier list: %d", r.Status)
	}
	for _, path := range []string{"/customers", customerPath(cust)} {
		if r := buyer.Get(path); r.Status != http.StatusForbidden {
			t.Errorf("supplier viewer on %s: %d, want 403", path, r.Status)
		}
	}
	if r := seller.Get(customerPath(cust)); r.Status != http.StatusOK {
		t.Errorf("customer viewer on the customer: %d", r.Status)
	}
	for _, path := range []string{"/suppliers", supplierPath(sup)} {
		if r := seller.Get(path); r.Status != http.StatusForbidden {
			t.Errorf("customer viewer on %s: %d, want 403", path, r.Status)
		}
	}
	if body := buyer.Get("/").Body; strings.Contains(body, `href="/customers"`) || !strings.Contains(body, `href="/suppliers"`) {
		t.Error("the navigation does not follow the supplier viewer's permissions")
	}
}

func TestSupplierCreateEditDelete(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	_, pw := env.MustCreateUser(t, "buyer@example.se", false, authz.SupplierCreate, authz.SupplierView, authz.SupplierEdit, authz.SupplierDelete)
	c := env.NewClient(t)
	c.SignIn("buyer@example.se", pw)

	form := url.Values{"name": {"Ek Bygg AB"}, "org_number": {"556036-0793"}, "bankgiro": {"5050-1056"},
		"city": {"Göteborg"}, "postal_code": {"41104"}}
	r := c.PostForm("/suppliers", form)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="bankgiro-error"`) ||
		!strings.Contains(r.Body, `value="Göteborg"`) || !strings.Contains(r.Body, `value="556036-0793"`) {
		t.Fatalf("invalid bankgiro: %d, want 422 with a message beside it and everything typed kept", r.Status)
	}
	form.Set("bankgiro", "5050-1055")
	r = c.PostForm("/suppliers", form)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/suppliers/") {
		t.Fatalf("create: %d %q", r.Status, r.Location)
	}
	page := c.Get(r.Location)
	if !strings.Contains(page.Body, "5050-1055") || !strings.Contains(page.Body, "411 04") {
		t.Fatal("the supplier page does not show the saved details")
	}
	m := strings.Split(r.Location, "/")
	id, _ := strconv.ParseInt(m[len(m)-1], 10, 64)
	sup := domain.Supplier{ID: domain.SupplierID(id)}

	edit := c.Get(supplierPath(sup) + "/edit")
	version := edit.Body[strings.Index(edit.Body, `name="version" value="`)+len(`name="version" value="`):]
	version = version[:strings.Index(version, `"`)]
	form.Set("city", "Borås")
	form.Set("postal_code", "503 30")
	form.Set("version", version)
	if r := c.PostForm(supplierPath(sup), form); r.Status != http.StatusSeeOther {
		t.Fatalf("edit: %d", r.Status)
	}
	var details string
	err := env.DB.Pool.QueryRow(context.Background(), `SELECT details::text FROM audit_events WHERE action = 'supplier.changed'`).Scan(&details)
	if err != nil || details != `{"fields": ["postal_code", "city"]}` {
		t.Fatalf("change event details %s (%v)", details, err)
	}

	// A document that refers to the supplier keeps it (tables for such documents come later; the rule is
	// the foreign key's ON DELETE RESTRICT).
	owner := env.Owner(t) // the server's role may not create tables
	if _, err := owner.Pool.Exec(context.Background(), `CREATE TABLE test_purchase_orders (id int,
		supplier_id bigint REFERENCES suppliers (id) ON DELETE RESTRICT);
		INSERT INTO test_purchase_orders VALUES (1, `+strconv.FormatInt(id, 10)+`)`); err != nil {
		t.Fatal(err)
	}
	r = c.PostForm(supplierPath(sup)+"/delete", nil)
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "dokument som hänvisar") {
		t.Fatalf("deleting a supplier with documents: %d, want 409 saying why", r.Status)
	}
	if _, err := owner.Pool.Exec(context.Background(), `DELETE FROM test_purchase_orders`); err != nil {
		t.Fatal(err)
	}
	if r := c.PostForm(supplierPath(sup)+"/delete", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.Status)
	}
	if r := c.Get(supplierPath(sup)); r.Status != http.StatusNotFound {
		t.Fatalf("the deleted supplier: %d, want 404", r.Status)
	}
	actions, _ := testutil.AuditActions(context.Background(), env.DB.Pool, 0)
	if actions["supplier.created"] != 1 || actions["supplier.deleted"] != 1 {
		t.Fatalf("audit events %v", actions)
	}
}
