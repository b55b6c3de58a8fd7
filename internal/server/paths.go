package server

import (
	"net/http"
	"strconv"

	"github.com/affar/affar/internal/domain"
)

// The paths of the records' pages, as the route table serves them, and their ids read back from a path.

func customerID(r *http.Request) (domain.CustomerID, error) {
	return pathID[domain.CustomerID](r, "id")
}

func customerURL(id domain.CustomerID) string {
	return "/customers/" + strconv.FormatInt(int64(id), 10)
}

func supplierID(r *http.Request) (domain.SupplierID, error) {
	return pathID[domain.SupplierID](r, "id")
}

func supplierURL(id domain.SupplierID) string {
	return "/suppliers/" + strconv.FormatInt(int64(id), 10)
}

func quoteID(r *http.Request) (domain.QuoteID, error) { return pathID[domain.QuoteID](r, "id") }

func quoteURL(id domain.QuoteID) string { return "/quotes/" + strconv.FormatInt(int64(id), 10) }

func userID(r *http.Request) (domain.UserID, error) { return pathID[domain.UserID](r, "id") }

func bulkURL(id int64) string { return "/bulk-jobs/" + strconv.FormatInt(id, 10) }

func ruleURL(id int64) string { return "/privacy/rules/" + strconv.FormatInt(id, 10) }

// importPath is the upload's path; its body may be larger than other forms' (Config.MaxImportBytes).
const importPath = "/customers/import"

func importURL(id int64) string { return importPath + "/" + strconv.FormatInt(id, 10) }
