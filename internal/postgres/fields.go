package postgres

import (
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

// The SQL of the register tables is built from their field tables (domain.CustomerFields,
// SupplierFields), so a new column is declared once; TestTablesMatchTheirFieldTables holds them to the
// schema.

// The customers columns as domain.CustomerFields declares them: those a row scans, and those a customer's
// form writes.
var (
	customerStored  = domain.CustomerFields.Stored()
	customerTyped   = domain.CustomerFields.Typed().Names()
	customerColumns = columnList("c.", customerStored)
	// The struct fields of those columns, looked up once rather than per row.
	customerScan  = domain.ColumnsOf[domain.Customer]("db", customerStored)
	customerWrite = domain.ColumnsOf[domain.Customer]("db", customerTyped)
)

// columnList is names as an SQL column list, each qualified by alias.
func columnList(alias string, names []string) string {
	cols := make([]string, len(names))
	for i, n := range names {
		cols[i] = alias + pgx.Identifier{n}.Sanitize()
	}
	return strings.Join(cols, ", ")
}

// placeholders is "$from, …, $from+n-1".
func placeholders(from, n int) string {
	out := make([]string, n)
	for i := range out {
		out[i] = "$" + strconv.Itoa(from+i)
	}
	return strings.Join(out, ", ")
}

// assignments is "name = $from, …" for each of names.
func assignments(from int, names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = pgx.Identifier{n}.Sanitize() + " = $" + strconv.Itoa(from+i)
	}
	return strings.Join(out, ", ")
}

// The suppliers columns as domain.SupplierFields declares them, the same way.
var (
	supplierStored  = domain.SupplierFields.Stored()
	supplierTyped   = domain.SupplierFields.Typed().Names()
	supplierColumns = columnList("s.", supplierStored)
	supplierScan    = domain.ColumnsOf[domain.Supplier]("db", supplierStored)
	supplierWrite   = domain.ColumnsOf[domain.Supplier]("db", supplierTyped)
)
