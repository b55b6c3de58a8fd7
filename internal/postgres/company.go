package postgres

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

// The company's details are columns of the one settings row, named as domain.CompanyFields declares.
var (
	companyNames   = domain.CompanyFields.Stored()
	companyColumns = domain.ColumnsOf[domain.CompanyDetails]("db", companyNames)
)

// Company reads the company's details; lock takes the settings row for an update in q's transaction.
func Company(ctx context.Context, q Querier, lock bool) (domain.CompanyDetails, error) {
	var c domain.CompanyDetails
	sql := `SELECT ` + strings.Join(companyNames, ", ") + ` FROM settings`
	if lock {
		sql += ` FOR UPDATE`
	}
	err := q.QueryRow(ctx, sql).Scan(companyColumns.Targets(&c)...)
	return c, mapErr(err, "company details")
}

// SetCompany stores the company's details.
func SetCompany(ctx context.Context, tx pgx.Tx, c domain.CompanyDetails) error {
	_, err := tx.Exec(ctx, `UPDATE settings SET `+assignments(1, companyNames), companyColumns.Values(&c)...)
	return mapErr(err, "set company details")
}
