package postgres_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// readsByID are the functions that query customers c without the restriction filter, and why that is
// right: they read customers named by id (the services refuse a restricted one to those who may not see
// it, domain.Customer.VisibleTo), or they get their conditions from a caller that applied the filter. A
// new query of customers must apply the filter (segmentWhere, unrestricted or visible) or be added here
// with its reason.
var readsByID = map[string]string{
	"Customer":               "one customer by id",
	"ImportMatches":          "an import's duplicates by number, identity number or e-mail, restricted customers too, so none is created twice; the import never updates a restricted one nor shows its number",
	"CustomerForUpdate":      "one customer by id, locked",
	"CustomerSheetOf":        "one customer by id, with its lists, for its page (the service refuses a restricted one, VisibleTo)",
	"CreateCustomer":         "inserts one",
	"UpdateCustomer":         "one customer by id",
	"TouchCustomer":          "one customer by id",
	"TouchCustomerActivity":  "one customer by id",
	"SetConsent":             "one customer by id",
	"RestrictCustomer":       "one customer by id",
	"LiftRestriction":        "one customer by id",
	"CustomerIDByNumber":     "one customer by number, linked to a request by privacy.manage holders, who see restricted customers",
	"TellLiftedRestrictions": "the customers of one request whose restriction was lifted: restricted ones are its subject",
	"pageQuery.order":        "the keyset cursor's own sort key, by id",
	"pageQuery.collect":      "where from CustomerPage (customerWhere → segmentWhere)",
	"pageQuery.walk":         "where from CustomerPage (customerWhere → segmentWhere)",
	"windowWalk":             "filters from CustomerPage (customerWhere → segmentWhere)",
	"boundedCollect":         "where from CustomerPage (customerWhere → segmentWhere)",
	"collectSorted":          "where from pageQuery.collect and boundedCollect, from CustomerPage",
	"customerCount":          "where from CustomerPage (customerWhere → segmentWhere)",
	"segmentPageSQL":         "where from SegmentPage (segmentWhere)",
	"CountExport":            "conditions from ExportSelection.where (segmentWhere, never showing restricted)",
	"EachExportCustomer":     "conditions from ExportSelection.where (segmentWhere, never showing restricted)",
	"ErasureFacts":           "customers by id, for an erasure (the service decides who may erase a restricted one; a bulk job skips them)",
	"AnonymiseCustomers":     "erases by id",
	"DeleteCustomers":        "deletes by id",
	"CheckReason":            "one erasure's own customers by id",
	"VerifyBulkJob":          "checks a finished job's own items by id",
	"auditWhere":             "the audit log names customers by number only",
	"CopyCustomers":          "bulk load of demo data",
	"CountCustomers":         "a count for the command line, no data",
	"DropIndexesForLoad":     "whether the register is empty before a bulk load, no data",
}

// customerQuery finds SQL that reads or changes customers as c (or customers at all, outside a subquery
// by id).
var customerQuery = regexp.MustCompile(`(?i)\b(FROM|JOIN|UPDATE|INTO)\s+customers\b`)

// filterNames are what applying the restriction filter looks like in a function.
var filterNames = []string{"segmentWhere", "customerWhere", "unrestricted", "visible", "ExportSelection"}

// Done when (issue 17 item 5): the restriction filter is written once, and a query of customers that
// neither applies it nor is declared a read by id (readsByID, with its reason) fails here, so a newcomer's
// listing cannot forget it.
func TestEveryCustomerListingIsFiltered(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || !queriesCustomers(fn) {
				continue
			}
			key := fn.Name.Name
			if fn.Recv != nil && len(fn.Recv.List) == 1 {
				key = recvName(fn.Recv.List[0].Type) + "." + key
			}
			if _, declared := readsByID[key]; declared || appliesFilter(fn) {
				continue
			}
			t.Errorf("%s: %s queries customers without the restriction filter (segmentWhere or unrestricted); "+
				"apply it, or declare it a read by id in readsByID with the reason", fset.Position(fn.Pos()), key)
		}
	}
}

func queriesCustomers(fn *ast.FuncDecl) bool {
	found := false
	ast.Inspect(fn, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING && customerQuery.MatchString(lit.Value) {
			found = true
		}
		return !found
	})
	return found
}

func appliesFilter(fn *ast.FuncDecl) bool {
	found := false
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && slices.Contains(filterNames, id.Name) {
			found = true
		}
		return !found
	})
	return found
}

func recvName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return recvName(t.X)
	case *ast.Ident:
		return t.Name
	}
	return "?"
}
