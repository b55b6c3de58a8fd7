package postgres

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

// objectionInForce is the condition that customer c has an objection to direct marketing in force.
const objectionInForce = `EXISTS (SELECT 1 FROM marketing_objections o WHERE o.customer_id = c.id AND o.lifted_at IS NULL)`

// AddObjection records an objection to direct marketing and returns its id; a customer with one in force
// already is a conflict (unique index).
func AddObjection(ctx context.Context, q Querier, o domain.Objection, by *domain.UserID) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO marketing_objections (customer_id, objected_on, channel, recorded_at, recorded_by,
		carried_over, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, o.CustomerID,
		o.ObjectedOn.Format(domain.DateLayout), o.Channel, o.RecordedAt, by, o.CarriedOver, o.RequestID).Scan(&id)
	return id, mapErr(err, "add objection")
}

// Objections lists a customer's objections to direct marketing, newest first, with who recorded them.
func Objections(ctx context.Context, q Querier, id domain.CustomerID) ([]domain.Objection, error) {
	out, err := queryList(ctx, q, objectionList, id, scanObjection)
	return out, mapErr(err, "objections")
}

var objectionList = childList{`o.id, o.customer_id, o.objected_on, o.channel, o.recorded_at, coalesce(u.name, ''),
	o.carried_over, o.lifted_at, o.request_id`, `marketing_objections o LEFT JOIN users u ON u.id = o.recorded_by`,
	`o.customer_id`, `o.id DESC`}

func scanObjection(r pgx.Row) (domain.Objection, error) {
	var o domain.Objection
	err := r.Scan(&o.ID, &o.CustomerID, &o.ObjectedOn, &o.Channel, &o.RecordedAt, &o.RecordedBy, &o.CarriedOver,
		&o.LiftedAt, &o.RequestID)
	return o, err
}

// LiftObjection marks the customer's objection in force as lifted (by the person's new consent) and
// returns its id, 0 when there was none.
func LiftObjection(ctx context.Context, q Querier, id domain.CustomerID, now time.Time) (int64, error) {
	var oid int64
	err := q.QueryRow(ctx, `UPDATE marketing_objections SET lifted_at = $2 WHERE customer_id = $1 AND lifted_at IS NULL
		RETURNING id`, id, now).Scan(&oid)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return oid, mapErr(err, "lift objection")
}

// KeptObjection is the newest objection of a customer about to be erased, as objection_hashes keeps it.
type KeptObjection struct {
	ObjectedOn time.Time
	Channel    string
	Lifted     bool
}

// LatestObjections are the newest objection of each customer in ids that ever objected.
func LatestObjections(ctx context.Context, q Querier, ids []domain.CustomerID) (map[domain.CustomerID]KeptObjection, error) {
	rows, err := q.Query(ctx, `SELECT DISTINCT ON (customer_id) customer_id, objected_on, channel, lifted_at IS NOT NULL
		FROM marketing_objections WHERE customer_id = ANY($1) ORDER BY customer_id, id DESC`, ids)
	if err != nil {
		return nil, mapErr(err, "latest objections")
	}
	out := map[domain.CustomerID]KeptObjection{}
	var (
		id domain.CustomerID
		k  KeptObjection
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &k.ObjectedOn, &k.Channel, &k.Lifted}, func() error {
		out[id] = k
		return nil
	})
	return out, mapErr(err, "latest objections")
}

// AddObjectionHashes keeps an erased customer's objection under the keyed hashes of their identifiers.
func AddObjectionHashes(ctx context.Context, q Querier, hashes [][]byte, k KeptObjection, at time.Time) error {
	if len(hashes) == 0 {
		return nil
	}
	_, err := q.Exec(ctx, `INSERT INTO objection_hashes (hash, objected_on, channel, lifted, erased_at)
		SELECT DISTINCT h, $2::date, $3::text, $4::boolean, $5::timestamptz FROM unnest($1::bytea[]) AS h`,
		hashes, k.ObjectedOn.Format(domain.DateLayout), k.Channel, k.Lifted, at)
	return mapErr(err, "add objection hashes")
}

// ObjectionMatch is the objection an erased customer with any of hashes had, nil if none is in force: the
// newest kept row (the latest erasure) decides, so an objection later lifted by new consent is not carried.
func ObjectionMatch(ctx context.Context, q Querier, hashes [][]byte) (*domain.ObjectionHit, error) {
	if len(hashes) == 0 {
		return nil, nil
	}
	var (
		hit    domain.ObjectionHit
		lifted bool
	)
	err := q.QueryRow(ctx, `SELECT objected_on, channel, lifted FROM objection_hashes WHERE hash = ANY($1)
		ORDER BY erased_at DESC, id DESC LIMIT 1`, hashes).Scan(&hit.ObjectedOn, &hit.Channel, &lifted)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && lifted {
		return nil, nil
	}
	if err != nil {
		return nil, mapErr(err, "objection match")
	}
	return &hit, nil
}

// CountObjected counts the customers of a CRM segment (not anonymised) whom an objection to direct
// marketing keeps out of marketing exports and labels.
func CountObjected(ctx context.Context, q Querier, seg domain.Segment) (int, error) {
	var args []any
	w := append(segmentWhere(seg, &args), "c.anonymised_at IS NULL", objectionInForce)
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM customers c WHERE `+strings.Join(w, " AND "), args...).Scan(&n)
	return n, mapErr(err, "count objected")
}
