package devdb

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

type testLog struct{ t *testing.T }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// tempDir returns a fresh directory that the postgres OS user can reach even when the test
// runs as root (t.TempDir's parent is created 0700).
func tempDir(t *testing.T) string {
	t.Helper()
	if _, err := lookBinDir(); err != nil {
		if os.Getenv("REQUIRE_DB") == "1" {
			t.Fatalf("REQUIRE_DB=1 but no PostgreSQL: %v", err)
		}
		t.Skipf("skipping: %v", err)
	}
	dir := t.TempDir()
	if os.Geteuid() == 0 {
		if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func start(t *testing.T, dir string) *Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := Start(ctx, dir, testLog{t})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Error(err)
		}
	})
	return c
}

func mustExec(t *testing.T, url, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestCluster(t *testing.T) {
	dir := filepath.Join(tempDir(t), "data", "pg")
	ctx := context.Background()

	c := start(t, dir)
	for i := 0; i < 2; i++ { // idempotent
		if err := c.EnsureDatabase(ctx, "affar_test"); err != nil {
			t.Fatalf("EnsureDatabase #%d: %v", i+1, err)
		}
	}
	url := c.URL("affar_test")
	if want := "postgres://postgres:" + c.password + "@127.0.0.1:"; c.password == "" || !strings.HasPrefix(url, want) || !strings.HasSuffix(url, "/affar_test?sslmode=disable") {
		t.Fatalf("URL = %q", url)
	}
	mustExec(t, url, "SELECT 1")
	mustExec(t, url, "CREATE TABLE kept (id int)")

	// A second Start on the running directory reuses the server and must not stop it.
	c2 := start(t, dir)
	if c2.port != c.port {
		t.Fatalf("second Start: port %d, want reused %d", c2.port, c.port)
	}
	if c2.owned {
		t.Fatal("second Start took over a server its starter still uses")
	}
	if err := c2.Stop(); err != nil {
		t.Fatal(err)
	}
	mustExec(t, url, "SELECT 1")

	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "postmaster.pid")); !os.IsNotExist(err) {
		t.Fatalf("postmaster.pid after Stop: %v", err)
	}

	// Restart on the same data: the table survives.
	c3 := start(t, dir)
	if err := c3.EnsureDatabase(ctx, "affar_test"); err != nil {
		t.Fatal(err)
	}
	mustExec(t, c3.URL("affar_test"), "SELECT * FROM kept")
	if err := c3.Stop(); err != nil {
		t.Fatal(err)
	}
}

func TestStalePidFile(t *testing.T) {
	dir := filepath.Join(tempDir(t), "pg")
	c := start(t, dir)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	// A dead PID, and a live PID that is not a postmaster (as after a reboot).
	for _, pid := range []int{999999999, os.Getpid()} {
		pidFile := fmt.Sprintf("%d\n%s\n0\n5432\n\n127.0.0.1\n0 0\nready\n", pid, dir)
		if err := os.WriteFile(filepath.Join(dir, "postmaster.pid"), []byte(pidFile), 0o600); err != nil {
			t.Fatal(err)
		}
		c = start(t, dir)
		if c.port == 5432 {
			t.Fatalf("pid %d: reused stale postmaster.pid", pid)
		}
		mustExec(t, c.URL("postgres"), "SELECT 1")
		if err := c.Stop(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLongPathSocketDir(t *testing.T) {
	dir := tempDir(t)
	for len(dir) < 120 {
		dir = filepath.Join(dir, "a-rather-long-directory-name")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c := start(t, filepath.Join(dir, "pg"))
	if c.sockDir == "" {
		t.Fatal("expected a short temporary socket directory")
	}
	mustExec(t, c.URL("postgres"), "SELECT 1")
	sock := c.sockDir
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Fatalf("socket directory %s not removed: %v", sock, err)
	}
}

func TestNotTraversableAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root hands the cluster to the postgres user")
	}
	parent := filepath.Join(tempDir(t), "private")
	if err := os.Mkdir(parent, 0o700); err != nil { // unreachable for the postgres user
		t.Fatal(err)
	}
	_, err := Start(context.Background(), filepath.Join(parent, "pg"), testLog{t})
	if err == nil || !strings.Contains(err.Error(), "not traversable") {
		t.Fatalf("Start = %v, want a 'not traversable' error", err)
	}
}

// Parallel test binaries may call Start on the same fresh directory at once.
func TestConcurrentStart(t *testing.T) {
	dir := filepath.Join(tempDir(t), "pg")
	var clusters [3]*Cluster
	var errs [3]error
	var wg sync.WaitGroup
	for i := range clusters {
		wg.Go(func() { clusters[i], errs[i] = Start(context.Background(), dir, testLog{t}) })
	}
	wg.Wait()
	owners := 0
	for i, c := range clusters {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if c.owned {
			owners++
		}
		if c.port != clusters[0].port {
			t.Fatalf("ports differ: %d vs %d", c.port, clusters[0].port)
		}
	}
	if owners != 1 {
		t.Fatalf("%d clusters own the server, want 1", owners)
	}
	mustExec(t, clusters[0].URL("postgres"), "SELECT 1")
	// The owner waits for the others, so stop them first.
	for _, c := range clusters {
		if !c.owned {
			c.Stop()
		}
	}
	for _, c := range clusters {
		if c.owned {
			if err := c.Stop(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// signalLog reports when a line containing want was logged.
type signalLog struct {
	want string
	seen chan struct{}
	once sync.Once
}

func (l *signalLog) Write(p []byte) (int, error) {
	if strings.Contains(string(p), l.want) {
		l.once.Do(func() { close(l.seen) })
	}
	return len(p), nil
}

// TestOwnerWaitsForOtherUsers: a make run started the server and a make test reuses it; stopping make
// run must not pull the server from under make test.
func TestOwnerWaitsForOtherUsers(t *testing.T) {
	dir := filepath.Join(tempDir(t), "pg")
	ctx := context.Background()
	log := &signalLog{want: "waiting for other commands", seen: make(chan struct{})}
	owner, err := Start(ctx, dir, log)
	if err != nil {
		t.Fatal(err)
	}
	other := start(t, dir)
	stopped := make(chan error, 1)
	go func() { stopped <- owner.Stop() }()
	<-log.seen
	mustExec(t, other.URL("postgres"), "SELECT 1") // still serving while the other user is at work
	if err := other.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "postmaster.pid")); !os.IsNotExist(err) {
		t.Fatalf("server still running after the last user stopped: %v", err)
	}
}

// stopLeftover stops, at the end of the test, a server that the test failed to stop.
func stopLeftover(t *testing.T, dir string) {
	t.Cleanup(func() {
		if _, err := os.Stat(filepath.Join(dir, "postmaster.pid")); err != nil {
			return
		}
		bin, err := findBinDir(dir)
		if err != nil {
			t.Error(err)
			return
		}
		cred, err := credential()
		if err != nil {
			t.Error(err)
			return
		}
		out, err := run(context.Background(), cred, filepath.Join(bin, "pg_ctl"), "stop", "-w", "-m", "immediate", "-D", dir)
		if err != nil {
			t.Errorf("pg_ctl stop: %v\n%s", err, out)
		}
	})
}

// TestOrphanIsTakenOver: whoever started the server was killed before Stop; the next Start must
// adopt the server so that it gets stopped.
func TestOrphanIsTakenOver(t *testing.T) {
	long := tempDir(t)
	for len(long) < 120 {
		long = filepath.Join(long, "a-rather-long-directory-name")
	}
	for name, dir := range map[string]string{
		"socket in data dir":   filepath.Join(tempDir(t), "pg"),
		"temporary socket dir": filepath.Join(long, "pg"),
	} {
		t.Run(name, func(t *testing.T) {
			stopLeftover(t, dir)
			a, err := Start(context.Background(), dir, testLog{t})
			if err != nil {
				t.Fatal(err)
			}
			sock := a.sockDir
			a.users.Close() // a's process dies: the kernel drops its lock, nobody calls Stop

			log := &signalLog{want: "taking over server", seen: make(chan struct{})}
			b, err := Start(context.Background(), dir, log)
			if err != nil {
				t.Fatal(err)
			}
			if b.port != a.port {
				t.Fatalf("port %d, want reused %d", b.port, a.port)
			}
			if !b.owned {
				t.Fatal("orphaned server not taken over")
			}
			select {
			case <-log.seen:
			default:
				t.Error("take-over not logged")
			}
			if b.sockDir != sock {
				t.Errorf("socket directory %q, want %q", b.sockDir, sock)
			}
			mustExec(t, b.URL("postgres"), "SELECT 1")

			// While b uses the server, a further Start must not take it over.
			c := start(t, dir)
			if c.owned {
				t.Fatal("server taken over while its owner is alive")
			}
			if err := c.Stop(); err != nil {
				t.Fatal(err)
			}

			if err := b.Stop(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(dir, "postmaster.pid")); !os.IsNotExist(err) {
				t.Fatalf("server still running after the adopter stopped: %v", err)
			}
			if sock != "" {
				if _, err := os.Stat(sock); !os.IsNotExist(err) {
					t.Fatalf("socket directory %s not removed: %v", sock, err)
				}
			}
		})
	}
}

// TestPasswordAuth: a new cluster requires its password over TCP.
func TestPasswordAuth(t *testing.T) {
	dir := filepath.Join(tempDir(t), "pg")
	c := start(t, dir)

	u, err := url.Parse(c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	pw, ok := u.User.Password()
	if !ok || len(pw) != 24 || u.User.Username() != "postgres" {
		t.Fatalf("URL %q: want user postgres with a 24-character password", c.URL("postgres"))
	}
	fi, err := os.Stat(dir + ".password")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("password file mode %v, want 0600", fi.Mode().Perm())
	}
	if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != os.Geteuid() {
		t.Errorf("password file owned by uid %d, want %d", st.Uid, os.Geteuid())
	}
	if saved, err := readPassword(dir); err != nil || saved != pw {
		t.Errorf("saved password %q (%v), want %q", saved, err, pw)
	}
	if tmp, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".devdb-password-*")); len(tmp) > 0 {
		t.Errorf("temporary password files left behind: %v", tmp)
	}
	mustExec(t, c.URL("postgres"), "SELECT 1")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, password := range []string{"", "wrong"} {
		cfg, err := pgx.ParseConfig("postgres://postgres@127.0.0.1:" + strconv.Itoa(c.port) + "/postgres?sslmode=disable")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Password = password // ignore PGPASSWORD and ~/.pgpass
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err == nil {
			conn.Close(ctx)
			t.Fatalf("connected over TCP with password %q", password)
		}
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
			t.Fatalf("password %q: %v, want password authentication failed", password, err)
		}
	}

	// The password survives a restart.
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	c = start(t, dir)
	if c.password != pw {
		t.Fatalf("password after restart %q, want %q", c.password, pw)
	}
	mustExec(t, c.URL("postgres"), "SELECT 1")
}

// TestTrustClusterStillWorks: a cluster created before password authentication (trust, no password
// file) keeps working, without a password.
func TestTrustClusterStillWorks(t *testing.T) {
	dir := filepath.Join(tempDir(t), "pg")
	c := start(t, dir)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	hba := filepath.Join(dir, "pg_hba.conf")
	conf, err := os.ReadFile(hba)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(hba, []byte(strings.ReplaceAll(string(conf), "scram-sha-256", "trust")), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(dir + ".password"); err != nil {
		t.Fatal(err)
	}

	log := &signalLog{want: "predates password authentication", seen: make(chan struct{})}
	c, err = Start(context.Background(), dir, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop() })
	select {
	case <-log.seen:
	default:
		t.Error("no note about the missing password")
	}
	if url := c.URL("postgres"); !strings.HasPrefix(url, "postgres://postgres@127.0.0.1:") {
		t.Fatalf("URL = %q, want no password", url)
	}
	mustExec(t, c.URL("postgres"), "SELECT 1")
	if _, err := os.Stat(dir + ".password"); !os.IsNotExist(err) {
		t.Fatalf("password file created for a trust cluster: %v", err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
}
