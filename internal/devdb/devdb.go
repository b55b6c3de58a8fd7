// Package devdb starts a private, throw-away PostgreSQL cluster under a directory (".data/pg" by the
// callers) for `make run` and `make test` when DATABASE_URL is not set.
package devdb

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

const (
	startTimeout = 60 * time.Second
	// Unix socket paths are limited to sizeof(sun_path) (108 on Linux, 104 on macOS).
	maxSocketPath = 100
)

// Cluster is a running PostgreSQL server on a local data directory.
type Cluster struct {
	dataDir string
	port    int
	owned   bool // false when we reused a server that someone else is still using
	bin     string
	// password of the postgres role over TCP (see passwordFile); empty for clusters created before
	// password authentication, which still trust every local connection.
	password string
	cred     *syscall.Credential
	sockDir  string // temporary socket directory to remove on Stop, if any
	log      io.Writer
	durable  bool // started with fsync and synchronous commits on, as in production (StartDurable)

	users *os.File // shared flock held while this Cluster uses the server (see Stop)

	mu      sync.Mutex
	stopped bool
}

// Start initialises the cluster in dir if it does not exist yet, then starts it on a free port on
// 127.0.0.1, waiting until it accepts connections. If a server is already running on dir, it is
// reused and the returned Cluster's Stop leaves it running, unless nobody else uses it any more
// (its starter died without stopping it), in which case this Cluster takes it over and stops it.
// Progress lines are written to log.
//
// New clusters trust local (unix socket) connections, whose socket lives in the private data
// directory, and require a random password over TCP, kept in "<dir>.password" (mode 0600).
func Start(ctx context.Context, dir string, log io.Writer) (*Cluster, error) {
	return startCluster(ctx, dir, log, false)
}

// StartDurable is Start for a cluster in its own dir whose commits are flushed to disk, as in production:
// make bench-durable measures what a commit's flush costs, which the fast clusters of make run and make
// test hide with fsync=off and synchronous_commit=off. A server already running on dir is reused as it is.
func StartDurable(ctx context.Context, dir string, log io.Writer) (*Cluster, error) {
	return startCluster(ctx, dir, log, true)
}

func startCluster(ctx context.Context, dir string, log io.Writer, durable bool) (*Cluster, error) {
	if log == nil {
		log = io.Discard
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("devdb: resolve %s: %w", dir, err)
	}
	cred, err := credential()
	if err != nil {
		return nil, err
	}

	// Parents are created 0755 so that the postgres user (when we are root) can reach dir.
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("devdb: create %s: %w", filepath.Dir(abs), err)
	}
	// Serialise concurrent Starts on the same dir (e.g. parallel test binaries), which would
	// otherwise race on initdb and postmaster.pid.
	unlock, err := lockFile(abs + ".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()

	// Everyone using the server holds a shared lock on dir.users, so the process that started it waits
	// for the others (a `make test` beside a `make run`) before stopping it.
	users, err := os.OpenFile(abs+".users", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("devdb: open users lock: %w", err)
	}
	if err := syscall.Flock(int(users.Fd()), syscall.LOCK_SH); err != nil {
		users.Close()
		return nil, fmt.Errorf("devdb: lock %s.users: %w", abs, err)
	}
	c, err := startOrReuse(ctx, abs, dir, cred, log, durable)
	if err == nil && c != nil && !c.owned {
		err = c.takeOverIfOrphaned(users, cred)
	}
	if err == nil && c != nil {
		err = c.ensureRoles(ctx) // under the start lock, so concurrent Starts do not race to create them
	}
	if err != nil || c == nil {
		users.Close()
		return nil, err
	}
	if c.password == "" {
		fmt.Fprintf(log, "devdb: the cluster in %s predates password authentication and trusts every local user over TCP; remove it (e.g. rm -rf .data) to recreate it with a password\n", dir)
	}
	c.users = users
	return c, nil
}

// takeOverIfOrphaned makes c, a reused server, owned by us when nobody else holds the users lock:
// whoever started it is gone (killed or crashed before Stop), and without us nobody would stop it.
// The caller holds the start lock and a shared lock on users, which is held again on return.
func (c *Cluster) takeOverIfOrphaned(users *os.File, cred *syscall.Credential) error {
	fd := int(users.Fd())
	// Under the start lock nobody can join, and no owner can be waiting in Stop, so the other
	// holders can only leave. Converting a flock is not atomic (and a failed LOCK_NB conversion may
	// drop our shared lock), hence the LOCK_SH afterwards either way; it cannot block for long.
	alone := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB) == nil
	if err := syscall.Flock(fd, syscall.LOCK_SH); err != nil {
		return fmt.Errorf("devdb: lock %s.users: %w", c.dataDir, err)
	}
	if !alone {
		return nil
	}
	bin, err := findBinDir(c.dataDir)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.log, "devdb: taking over server on port %d (its starter is gone)\n", c.port)
	c.owned, c.bin, c.cred = true, bin, cred
	return nil
}

// startOrReuse reuses a running server on abs or starts one; the caller holds the start lock.
func startOrReuse(ctx context.Context, abs, dir string, cred *syscall.Credential, log io.Writer, durable bool) (*Cluster, error) {
	password, err := readPassword(abs)
	if err != nil {
		return nil, err
	}
	if c, err := reuse(ctx, abs, password, log); c != nil || err != nil {
		return c, err
	}

	bin, err := findBinDir(abs)
	if err != nil {
		return nil, err
	}
	if err := prepareDir(abs, cred); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(abs, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(log, "devdb: initialising cluster in %s\n", dir)
		if password, err = newPassword(abs); err != nil {
			return nil, err
		}
		if err := initdb(ctx, bin, abs, password, cred); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("devdb: %w", err)
	}

	port, err := freePort()
	if err != nil {
		return nil, err
	}
	c := &Cluster{dataDir: abs, port: port, owned: true, bin: bin, cred: cred, password: password, log: log, durable: durable}
	if c.sockDir, err = tempSocketDir(abs, cred); err != nil {
		return nil, err
	}
	if err := c.pgStart(ctx); err != nil {
		c.removeSockDir()
		return nil, err
	}
	fmt.Fprintf(log, "devdb: started on port %d\n", port)
	return c, nil
}

// tempSocketDir is a new directory for the server's socket when abs is too long a path for one, else "".
func tempSocketDir(abs string, cred *syscall.Credential) (string, error) {
	if len(abs)+len("/.s.PGSQL.65535") <= maxSocketPath {
		return "", nil
	}
	base := os.TempDir()
	if len(base) > maxSocketPath/2 {
		base = "/tmp"
	}
	dir, err := os.MkdirTemp(base, "devdb-")
	if err != nil {
		return "", fmt.Errorf("devdb: create socket directory: %w", err)
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			os.Remove(dir)
			return "", fmt.Errorf("devdb: chown socket directory: %w", err)
		}
	}
	return dir, nil
}

// pgStart starts the server of c on its port and socket directory (the data directory unless c.sockDir).
func (c *Cluster) pgStart(ctx context.Context) error {
	sockDir := c.dataDir
	if c.sockDir != "" {
		sockDir = c.sockDir
	}
	logFile := filepath.Join(c.dataDir, "postgres.log")
	// Fast and not crash-safe, which a throw-away cluster need not be; StartDurable's is as production's.
	durability := []string{"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"}
	if c.durable {
		durability = []string{"-c", "fsync=on", "-c", "synchronous_commit=on", "-c", "full_page_writes=on"}
	}
	args := append([]string{
		"-p", strconv.Itoa(c.port),
		"-c", "listen_addresses=127.0.0.1",
		"-k", shellQuote(sockDir),
		"-c", "unix_socket_permissions=0700",
		"-c", "max_connections=200",
		"-c", "shared_preload_libraries=pg_stat_statements", // query statistics for make bench and curious developers
		"-c", "shared_buffers=256MB",
	}, durability...)
	// pg_ctl hands -o to /bin/sh, hence the quoting.
	opts := strings.Join(args, " ")
	out, err := run(ctx, c.cred, filepath.Join(c.bin, "pg_ctl"), "start", "-w", "-t", strconv.Itoa(int(startTimeout/time.Second)),
		"-D", c.dataDir, "-l", logFile, "-o", opts)
	if err != nil {
		return fmt.Errorf("devdb: pg_ctl start: %w\n%s%s", err, tail(out), logTail(logFile))
	}
	return nil
}

// URL returns a connection URL for database name on the cluster as superuser postgres, with
// its password.
func (c *Cluster) URL(name string) string {
	u := url.User("postgres")
	if c.password != "" {
		u = url.UserPassword("postgres", c.password)
	}
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", u, c.port, url.PathEscape(name))
}

// OwnerURL is the connection URL of OwnerRole to database name.
func (c *Cluster) OwnerURL(name string) string { return c.roleURL(OwnerRole, name) }

// ServeURL is the connection URL of ServeRole to database name.
func (c *Cluster) ServeURL(name string) string { return c.roleURL(ServeRole, name) }

func (c *Cluster) roleURL(role, name string) string {
	u := url.User(role)
	if c.password != "" {
		u = url.UserPassword(role, c.rolePassword(role))
	}
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", u, c.port, url.PathEscape(name))
}

// EnsureDatabase creates database name, owned by OwnerRole, if it does not exist.
func (c *Cluster) EnsureDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return fmt.Errorf("devdb: connect: %w", err)
	}
	defer conn.Close(context.Background())

	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("devdb: check database %q: %w", name, err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" OWNER "+OwnerRole)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database: lost a race, fine
		return nil
	}
	if err != nil {
		return fmt.Errorf("devdb: create database %q: %w", name, err)
	}
	return nil
}

// Stop stops the cluster (pg_ctl stop -m fast) if this Cluster started (or took over) it, once
// every other user of the server is done; safe to call twice.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil
	}
	c.stopped = true
	if c.users != nil {
		defer c.users.Close() // releases our lock on dir.users
	}
	if !c.owned {
		return nil
	}
	defer c.removeSockDir()

	// Nobody may join while we stop; those already using the server finish first.
	unlock, err := lockFile(c.dataDir + ".lock")
	if err != nil {
		return err
	}
	defer unlock()
	if c.users != nil {
		fd := int(c.users.Fd())
		if syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB) != nil {
			fmt.Fprintf(c.log, "devdb: waiting for other commands using the server on port %d to finish\n", c.port)
			if err := syscall.Flock(fd, syscall.LOCK_EX); err != nil {
				return fmt.Errorf("devdb: wait for other users: %w", err)
			}
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), startTimeout+10*time.Second)
	defer cancel()
	out, err := run(ctx, c.cred, filepath.Join(c.bin, "pg_ctl"), "stop", "-w", "-t", strconv.Itoa(int(startTimeout/time.Second)),
		"-m", "fast", "-D", c.dataDir)
	if err != nil {
		return fmt.Errorf("devdb: pg_ctl stop: %w\n%s%s", err, tail(out), logTail(filepath.Join(c.dataDir, "postgres.log")))
	}
	fmt.Fprintf(c.log, "devdb: stopped server on port %d\n", c.port)
	return nil
}

func (c *Cluster) removeSockDir() {
	if c.sockDir != "" {
		os.RemoveAll(c.sockDir)
		c.sockDir = ""
	}
}

// reuse returns a Cluster (not owned) for a server already running on dir, or nil if there is none.
// A stale postmaster.pid is removed so that it cannot block the new server.
func reuse(ctx context.Context, dir, password string, log io.Writer) (*Cluster, error) {
	pidFile := filepath.Join(dir, "postmaster.pid")
	data, err := os.ReadFile(pidFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("devdb: read %s: %w", pidFile, err)
	}
	lines := strings.Split(string(data), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(lines[0]))
	port := 0
	if len(lines) >= 4 {
		port, _ = strconv.Atoi(strings.TrimSpace(lines[3]))
	}
	if pid <= 0 || port <= 0 || !isPostgres(pid) {
		// Postgres itself only ignores a dead PID; after a reboot the PID may belong to another
		// process, so remove the file ourselves.
		if err := os.Remove(pidFile); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("devdb: remove stale %s: %w", pidFile, err)
		}
		return nil, nil
	}
	c := &Cluster{dataDir: dir, port: port, password: password, log: log}
	// A temporary socket directory (long data directory path) is removed by whoever stops the
	// server, which may be us if we take it over. The postgres user writes postmaster.pid, so only
	// a directory that startOrReuse could have created is accepted.
	if len(lines) >= 5 {
		if sock := strings.TrimSpace(lines[4]); isTempSockDir(sock) {
			c.sockDir = sock
		}
	}
	// The other server may still be starting up.
	if err := c.waitReady(ctx); err != nil {
		return nil, fmt.Errorf("devdb: server already running on %s (pid %d, port %d) does not answer: %w%s",
			dir, pid, port, err, logTail(filepath.Join(dir, "postgres.log")))
	}
	fmt.Fprintf(log, "devdb: reusing server already running on port %d (pid %d)\n", port, pid)
	return c, nil
}

// isTempSockDir reports whether path looks like a socket directory made by startOrReuse.
func isTempSockDir(path string) bool {
	parent, base := filepath.Dir(path), filepath.Base(path)
	return strings.HasPrefix(base, "devdb-") && !strings.ContainsAny(base, "/.") &&
		(parent == filepath.Clean(os.TempDir()) || parent == "/tmp")
}

// passwordFile is where the password of a cluster in dir is kept: beside it, like dir.lock, so that
// it belongs to the invoking user (root or the developer) rather than to the postgres OS user.
func passwordFile(dir string) string { return dir + ".password" }

// readPassword returns the password of the cluster in dir, or "" when it has none (a cluster
// created with trust authentication, or no cluster yet).
func readPassword(dir string) (string, error) {
	data, err := os.ReadFile(passwordFile(dir))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("devdb: read password: %w", err)
	}
	pw := strings.TrimSpace(string(data))
	if pw == "" {
		return "", fmt.Errorf("devdb: %s is empty; remove the cluster directory %s to recreate it", passwordFile(dir), dir)
	}
	return pw, nil
}

// newPassword generates a random password for a new cluster in dir and saves it (mode 0600).
func newPassword(dir string) (string, error) {
	b := make([]byte, 18) // 24 URL-safe characters
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("devdb: generate password: %w", err)
	}
	pw := base64.RawURLEncoding.EncodeToString(b)
	// Write-then-rename, so that a crash never leaves a truncated password behind.
	tmp, err := writeTemp(filepath.Dir(dir), pw, nil)
	if err != nil {
		return "", err
	}
	if err := os.Rename(tmp, passwordFile(dir)); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("devdb: save password: %w", err)
	}
	return pw, nil
}

// writeTemp writes pw to a new file (mode 0600) in dir, owned by cred (nil: ourselves), and
// returns its path.
func writeTemp(dir, pw string, cred *syscall.Credential) (string, error) {
	f, err := os.CreateTemp(dir, ".devdb-password-*")
	if err != nil {
		return "", fmt.Errorf("devdb: write password: %w", err)
	}
	_, err = f.WriteString(pw + "\n")
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil && cred != nil {
		err = f.Chown(int(cred.Uid), int(cred.Gid))
	}
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("devdb: write password: %w", err)
	}
	return f.Name(), nil
}

func (c *Cluster) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	for {
		attemptCtx, attemptCancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgx.Connect(attemptCtx, c.URL("postgres"))
		attemptCancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// isPostgres reports whether pid is a live process that looks like a postmaster.
func isPostgres(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	// Where /proc exists, guard against PID reuse by an unrelated process.
	if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); err == nil {
		s := string(comm)
		return strings.Contains(s, "postgres") || strings.Contains(s, "postmaster")
	}
	return true
}

// credential returns the identity to run PostgreSQL as: nil (ourselves) unless we are root,
// which PostgreSQL refuses, in which case the postgres OS user.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("devdb: running as root, but PostgreSQL refuses root and no postgres OS user was found: %w", err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("devdb: postgres uid %q: %w", u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("devdb: postgres gid %q: %w", u.Gid, err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// prepareDir creates dir and, when running as another user, hands it over to that user.
func prepareDir(dir string, cred *syscall.Credential) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("devdb: create %s: %w", dir, err)
	}
	if cred == nil {
		return nil
	}
	if err := checkTraversable(dir, cred); err != nil {
		return err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("devdb: %w", err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid == cred.Uid {
		return nil
	}
	// Only walk the tree when ownership is wrong (e.g. a cluster created by a non-root run).
	err = filepath.WalkDir(dir, func(path string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, int(cred.Uid), int(cred.Gid))
	})
	if err != nil {
		return fmt.Errorf("devdb: chown %s to postgres: %w", dir, err)
	}
	return nil
}

// checkTraversable fails early with a clear message when the postgres user cannot reach dir,
// instead of letting initdb fail with a bare "permission denied".
func checkTraversable(dir string, cred *syscall.Credential) error {
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("devdb: %w", err)
		}
		mode := fi.Mode().Perm()
		ok := mode&0o001 != 0
		if st, isStat := fi.Sys().(*syscall.Stat_t); isStat {
			ok = ok || (st.Uid == cred.Uid && mode&0o100 != 0) || (st.Gid == cred.Gid && mode&0o010 != 0)
		}
		if !ok {
			return fmt.Errorf("devdb: directory %s is not traversable by the postgres user (mode %v); run: chmod o+x %s", p, mode, p)
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// initdb creates a cluster in dir whose superuser postgres needs password over TCP; local
// connections, through the socket in the private data directory, are trusted.
func initdb(ctx context.Context, bin, dir, password string, cred *syscall.Credential) error {
	// The password file beside dir is readable only by us; the postgres user gets its own copy.
	pwFile := passwordFile(dir)
	if cred != nil {
		tmp, err := writeTemp(filepath.Dir(dir), password, cred)
		if err != nil {
			return err
		}
		defer os.Remove(tmp)
		pwFile = tmp
	}
	var errs []error
	for _, locale := range []string{"C.UTF-8", "C"} {
		out, err := run(ctx, cred, filepath.Join(bin, "initdb"), "--auth-local=trust", "--auth-host=scram-sha-256",
			"--pwfile="+pwFile, "-U", "postgres", "--encoding=UTF8", "--locale="+locale, "-D", dir)
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("initdb --locale=%s: %w\n%s", locale, err, tail(out)))
		// Only a missing C.UTF-8 locale (older systems) is worth a retry; initdb empties dir
		// on failure, so retrying is safe.
		if !bytes.Contains(out, []byte("invalid locale")) {
			break
		}
	}
	return fmt.Errorf("devdb: %w", errors.Join(errs...))
}

// findBinDir returns the directory holding initdb and pg_ctl. It prefers the binaries matching
// an existing cluster's major version, then initdb on PATH, then the newest
// /usr/lib/postgresql/<version>/bin.
func findBinDir(dataDir string) (string, error) {
	if v, err := os.ReadFile(filepath.Join(dataDir, "PG_VERSION")); err == nil {
		d := filepath.Join("/usr/lib/postgresql", strings.TrimSpace(string(v)), "bin")
		if hasBinaries(d) {
			return d, nil
		}
	}
	return lookBinDir()
}

// lookBinDir returns the directory holding the PostgreSQL server binaries (initdb, pg_ctl),
// or an error when none is installed.
func lookBinDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil && hasBinaries(filepath.Dir(real)) {
			return filepath.Dir(real), nil
		}
		if hasBinaries(filepath.Dir(p)) {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if hasBinaries(d) {
			return d, nil
		}
	}
	return "", errors.New("devdb: PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql/<version>/bin; install PostgreSQL or set DATABASE_URL")
}

func versionOf(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

func hasBinaries(dir string) bool {
	for _, name := range []string{"initdb", "pg_ctl"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// run executes a PostgreSQL tool as cred (nil: ourselves) and returns its combined output.
func run(ctx context.Context, cred *syscall.Credential, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	// "/" is always accessible, unlike our working directory might be for the postgres user.
	cmd.Dir = "/"
	cmd.Env = cleanEnv()
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	// The postmaster detaches with its output in the log file, but guard against a
	// grandchild keeping our pipe open.
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	return out.Bytes(), err
}

// cleanEnv drops PG* variables so a developer's PGDATA/PGPORT/PGHOST cannot redirect the tools.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return env
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("devdb: find free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// lockFile takes an exclusive advisory lock on path, returning the unlock function.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("devdb: open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("devdb: lock %s: %w", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func tail(out []byte) string {
	const max = 4000
	s := strings.TrimSpace(string(out))
	if s == "" {
		return ""
	}
	if len(s) > max {
		s = "…" + s[len(s)-max:]
	}
	return "--- output ---\n" + s + "\n"
}

// logTail returns the last lines of the server log, where the postmaster explains why it died.
func logTail(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	const maxLines = 30
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > maxLines {
			lines = lines[1:]
		}
	}
	if len(lines) == 0 {
		return ""
	}
	return "--- " + path + " (tail) ---\n" + strings.Join(lines, "\n") + "\n"
}

// Tool returns the path of a PostgreSQL client program (pg_dump, pg_restore) of the installed server.
func Tool(name string) (string, error) {
	dir, err := lookBinDir()
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("devdb: %s: %w", name, err)
	}
	return p, nil
}
