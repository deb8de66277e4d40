package convergence

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/dynroute/dynroute/reload/etcd/etcdtest"
	"github.com/stretchr/testify/require"
)

// pgServer is a PostgreSQL server of the test's own, from the
// distribution's binaries, on 127.0.0.1 with a free port and a temporary
// data directory, which the fault test can stop and start again; the
// server of DYNROUTE_TEST_POSTGRES is shared with other tests, which a
// stop would fail.
type pgServer struct {
	t        *testing.T
	bin, dir string
	port     int
	cred     *syscall.Credential // the postgres user's, when the test runs as root
	cmd      *exec.Cmd
	done     chan struct{}
}

// pgBinDir finds the newest /usr/lib/postgresql/<version>/bin; without
// one the test fails when CI is set and is skipped otherwise.
func pgBinDir(t *testing.T) string {
	t.Helper()
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(found) == 0 {
		const msg = "no PostgreSQL server binaries in /usr/lib/postgresql: install Debian's postgresql, as .ci/postgres.sh does"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	slices.SortFunc(found, func(a, b string) int { return pgVersion(a) - pgVersion(b) })
	return filepath.Dir(found[len(found)-1])
}

func pgVersion(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

func startPostgres(t *testing.T) *pgServer {
	t.Helper()
	s := &pgServer{t: t, bin: pgBinDir(t), port: etcdtest.FreePort(t)}
	dir, err := os.MkdirTemp("", "dynroute-pg-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	s.dir = dir
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root: run it as postgres.
		u, err := user.Lookup("postgres")
		require.NoError(t, err, "running as root, the server runs as the postgres user")
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		require.NoError(t, os.Chmod(dir, 0o755))
		require.NoError(t, os.Chown(dir, uid, gid))
	}
	initdb := s.command("initdb", "-D", filepath.Join(dir, "data"), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
	out, err := initdb.CombinedOutput()
	require.NoError(t, err, "initdb: %s", out)
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *pgServer) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	cmd.Dir = s.dir
	return cmd
}

// dsn is the server's DSN (trust authentication, loopback only).
func (s *pgServer) dsn() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
}

// start starts the server and waits until it answers.
func (s *pgServer) start() {
	s.t.Helper()
	logf, err := os.OpenFile(filepath.Join(s.dir, "postgres.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(s.t, err)
	s.cmd = s.command("postgres", "-D", filepath.Join(s.dir, "data"), "-p", strconv.Itoa(s.port), "-k", s.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=50")
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	require.NoError(s.t, s.cmd.Start())
	done := make(chan struct{})
	s.done = done
	cmd := s.cmd
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(done)
	}()
	db, err := sql.Open("pgx", s.dsn())
	require.NoError(s.t, err)
	defer db.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return
		}
		select {
		case <-done:
			log, _ := os.ReadFile(filepath.Join(s.dir, "postgres.log"))
			s.t.Fatalf("postgres exited: %s", log)
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("postgres on port %d does not answer: %v", s.port, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop stops the server with a fast shutdown (SIGINT: sessions are
// terminated), then SIGKILL, and waits for it.
func (s *pgServer) stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}
