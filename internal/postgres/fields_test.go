package postgres_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil/pgtest"
)

// TestTablesMatchTheirFieldTables: the columns of customers and suppliers, as the database has them, are
// the columns domain.CustomerFields and domain.SupplierFields declare, generated ones as generated.
func TestTablesMatchTheirFieldTables(t *testing.T) {
	db, _ := pgtest.New(t)
	for table, fs := range map[string]domain.Fields{"customers": domain.CustomerFields, "suppliers": domain.SupplierFields} {
		rows, err := db.Pool.Query(context.Background(), `SELECT column_name::text, is_generated = 'ALWAYS'
			FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY 1`, table)
		if err != nil {
			t.Fatal(err)
		}
		var schema, generated []string
		var name string
		var gen bool
		if _, err := pgx.ForEachRow(rows, []any{&name, &gen}, func() error {
			schema = append(schema, name)
			if gen {
				generated = append(generated, name)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		var declared, declaredGenerated []string
		for _, f := range fs {
			declared = append(declared, f.Name)
			if f.Generated {
				declaredGenerated = append(declaredGenerated, f.Name)
			}
		}
		slices.Sort(declared)
		slices.Sort(declaredGenerated)
		if !slices.Equal(schema, declared) {
			t.Errorf("%s: the database has the columns %v, the field table declares %v", table, schema, declared)
		}
		if !slices.Equal(generated, declaredGenerated) {
			t.Errorf("%s: the database generates %v, the field table says %v", table, generated, declaredGenerated)
		}
	}
}
