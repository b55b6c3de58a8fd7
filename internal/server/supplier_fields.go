package server

import (
	"net/http"

	"github.com/affar/affar/internal/domain"
)

// supplierInput reads the supplier form, field by field as domain.SupplierFields declares them.
func supplierInput(r *http.Request) domain.SupplierInput {
	return domain.FormInput[domain.SupplierInput](domain.SupplierFields, r.PostForm.Get)
}
