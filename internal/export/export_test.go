package export_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/export"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/testutil"
)

// slowSink takes its time over each row, as a slow download does.
type slowSink struct{ rows int }

func (k *slowSink) Begin(int) error { return nil }
func (k *slowSink) Row(domain.Customer, string) error {
	k.rows++
	time.Sleep(time.Millisecond)
	return nil
}

// TestManyExportsAtOnceOnASmallPool: each export holds a connection for its snapshot and needs a second
// for its audit event. On the smallest default pool (four connections), many exports at once all finish (or
// are told the server is busy) instead of waiting for each other for ever.
func TestManyExportsAtOnceOnASmallPool(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	for i := range 50 {
		env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Kund " + strconv.Itoa(i)})
	}
	sep := "?"
	if strings.Contains(env.DBURL, "?") {
		sep = "&"
	}
	db, err := postgres.Open(context.Background(), env.DBURL+sep+"pool_max_conns="+strconv.Itoa(export.MaxRunning+2))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := export.New(db, time.Now, export.Limit{Max: 100, Window: time.Minute})

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 8)
	sinks := make([]*slowSink, 8)
	actors := make([]context.Context, len(errs))
	for i := range actors {
		id, _ := env.MustCreateUser(t, "ex"+strconv.Itoa(i)+"@example.se", false, authz.CustomerView, authz.CustomerExport)
		actors[i] = authz.WithActor(ctx, authz.NewActor(domain.User{ID: id}, []authz.Permission{authz.CustomerView, authz.CustomerExport}))
	}
	start := make(chan struct{})
	for i := range errs {
		sinks[i] = &slowSink{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = svc.Register(actors[i], export.Request{}, "csv", sinks[i])
		}()
	}
	close(start)
	wg.Wait()
	done := 0
	for i, err := range errs {
		switch {
		case err == nil && sinks[i].rows == 50:
			done++
		case errors.Is(err, domain.ErrBusy):
		default:
			t.Errorf("export %d: %v after %d rows", i, err, sinks[i].rows)
		}
	}
	if done < export.MaxRunning {
		t.Fatalf("only %d exports finished", done)
	}
}

// blockingSink holds its export in Begin until released.
type blockingSink struct{ started, release chan struct{} }

func (k *blockingSink) Begin(int) error                   { close(k.started); <-k.release; return nil }
func (k *blockingSink) Row(domain.Customer, string) error { return nil }

// TestOneExportAtATimePerUser: a second export while the first still streams is refused, so one user's
// slow downloads cannot take every slot; another user is not affected.
func TestOneExportAtATimePerUser(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Kund"})
	perms := []authz.Permission{authz.CustomerView, authz.CustomerExport}
	evaID, _ := env.MustCreateUser(t, "eva@example.se", false, perms...)
	boID, _ := env.MustCreateUser(t, "bo@example.se", false, perms...)
	eva := authz.WithActor(context.Background(), authz.NewActor(domain.User{ID: evaID}, perms))
	bo := authz.WithActor(context.Background(), authz.NewActor(domain.User{ID: boID}, perms))
	svc := env.Services.Exports

	first := &blockingSink{started: make(chan struct{}), release: make(chan struct{})}
	done := make(chan error, 1)
	go func() { done <- svc.Register(eva, export.Request{}, "csv", first) }()
	<-first.started
	var ce *domain.ConflictError
	if err := svc.Register(eva, export.Request{}, "csv", &slowSink{}); !errors.As(err, &ce) || ce.Key != "exports.yours_running" {
		t.Fatalf("a second export of the same user: %v", err)
	}
	if err := svc.Register(bo, export.Request{}, "csv", &slowSink{}); err != nil {
		t.Fatalf("another user's export: %v", err)
	}
	close(first.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := svc.Register(eva, export.Request{}, "csv", &slowSink{}); err != nil {
		t.Fatalf("the next export after the first finished: %v", err)
	}
}

// TestSafeCell: free text that a spreadsheet would run as a formula gets an apostrophe in front, whatever
// starts it; text that merely contains those characters is left alone.
func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+Oslo": "'+Oslo", "-1 trappa": "'-1 trappa", "@SUM(A1)": "'@SUM(A1)", "\t=1": "'\t=1", "\r=1": "'\r=1",
		"": "", "Åsa": "Åsa", "a=1": "a=1", "Storgatan 1 -2": "Storgatan 1 -2",
	} {
		if got := export.SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}
