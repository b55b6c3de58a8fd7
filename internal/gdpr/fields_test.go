package gdpr_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/testutil"
)

// TestErasureCoversEveryCustomerField fills every personal column domain.CustomerFields declares, then
// anonymises: the plan counts each of them, and each is cleared or replaced afterwards, the generated ones
// too; a delete leaves nothing.
func TestErasureCoversEveryCustomerField(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	ctx := context.Background()
	var set []string
	stored := 0
	for _, f := range domain.CustomerFields {
		if !f.Personal() || f.Generated {
			continue
		}
		stored++
		if domain.Value(&domain.Customer{}, "db", f.Name).Kind() == reflect.Bool {
			set = append(set, pgx.Identifier{f.Name}.Sanitize()+" = true")
		} else {
			set = append(set, pgx.Identifier{f.Name}.Sanitize()+" = 'Zz "+f.Name+"'")
		}
	}
	for _, kind := range []domain.ErasureKind{domain.EraseAnonymise, domain.EraseDelete} {
		c := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Ada Lind"})
		_, err := e.DB.Pool.Exec(ctx, `UPDATE customers SET `+strings.Join(set, ", ")+` WHERE id = $1`, c.ID)
		must(t, err)
		p, err := e.Services.GDPR.Preview(sys(), c.ID, kind)
		must(t, err)
		if p.Counts["customer_fields"] != stored {
			t.Errorf("%s plan counts %d customer fields, want every personal one (%d)", kind, p.Counts["customer_fields"], stored)
		}
		in := gdpr.Input{Confirm: fmt.Sprint(c.Number), Reason: "Begäran 2026-11-20"}
		if kind == domain.EraseDelete {
			_, err = e.Services.GDPR.Delete(sys(), c.ID, in)
			must(t, err)
			if n := count(t, e, `SELECT count(*) FROM customers WHERE id = $1`, c.ID); n != 0 {
				t.Errorf("deleted customer still there")
			}
			continue
		}
		_, err = e.Services.GDPR.Anonymise(sys(), c.ID, in)
		must(t, err)
		var raw []byte
		must(t, e.DB.Pool.QueryRow(ctx, `SELECT to_jsonb(c) FROM customers c WHERE id = $1`, c.ID).Scan(&raw))
		var row map[string]any
		must(t, json.Unmarshal(raw, &row))
		for _, f := range domain.CustomerFields {
			want, ok := map[domain.ClearWith]any{domain.ClearEmpty: "", domain.ClearFalse: false,
				domain.ClearPlaceholder: domain.AnonymisedName(c.Number)}[f.Clear]
			switch {
			case f.Clear == domain.ClearDerived && strings.Contains(fmt.Sprint(row[f.Name]), "zz"):
				t.Errorf("%s still derives from personal data: %v", f.Name, row[f.Name])
			case ok && row[f.Name] != want:
				t.Errorf("%s after anonymisation: %v, want %v", f.Name, row[f.Name], want)
			}
		}
	}
}
