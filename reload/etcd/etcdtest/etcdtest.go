// Package etcdtest starts an etcd server of a test's own, for the tests of
// this module and of the modules that ride it (reload/convergence): from
// Debian's etcd-server package, on 127.0.0.1 with free ports and a
// temporary data directory. Without an etcd binary a test fails when CI is
// set and is skipped otherwise.
package etcdtest

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// Server is an etcd of the test's own, from Debian's etcd-server
// package, on 127.0.0.1 with free ports and a temporary data directory. It
// can be stopped and started again on the same ports and data.
type Server struct {
	t        testing.TB
	bin, dir string
	Endpoint string // host:port of its clients
	peerURL  string
	cmd      *exec.Cmd
	done     chan struct{}
}

// binary finds the etcd server; without one the test fails when CI is
// set and is skipped otherwise.
func binary(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("etcd"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/bin/etcd"); err == nil {
		return "/usr/bin/etcd"
	}
	const msg = "no etcd server: install Debian's etcd-server (apt-get install -y etcd-server), as .ci/run does"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// Start starts a server for the test t, stopped when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		t:        t,
		bin:      binary(t),
		dir:      t.TempDir(),
		Endpoint: fmt.Sprintf("127.0.0.1:%d", FreePort(t)),
		peerURL:  fmt.Sprintf("http://127.0.0.1:%d", FreePort(t)),
	}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// FreePort returns a port nothing listens on now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start starts the server again (Start returns it started) on the same
// ports and data, and waits until it answers.
func (s *Server) Start() {
	s.t.Helper()
	logf, err := os.OpenFile(filepath.Join(s.dir, "etcd.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(s.t, err)
	url := "http://" + s.Endpoint
	s.cmd = exec.Command(s.bin,
		"--name", "dynroute-test", "--data-dir", filepath.Join(s.dir, "data"),
		"--listen-client-urls", url, "--advertise-client-urls", url,
		"--listen-peer-urls", s.peerURL, "--initial-advertise-peer-urls", s.peerURL,
		"--initial-cluster", "dynroute-test="+s.peerURL)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	require.NoError(s.t, s.cmd.Start())
	s.done = make(chan struct{})
	go func() {
		_ = s.cmd.Wait()
		logf.Close()
		close(s.done)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/health")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			err = fmt.Errorf("%s: %s", resp.Status, body)
		}
		select {
		case <-s.done:
			log, _ := os.ReadFile(filepath.Join(s.dir, "etcd.log"))
			s.t.Fatalf("etcd exited: %s", log)
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("etcd on %s did not become healthy: %v", s.Endpoint, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop stops the server (SIGTERM, then SIGKILL) and waits for it; the
// test's end stops it too.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

// Client returns a client of the server, or of endpoint if it is not ""
// (a proxy in front of it), that logs nothing, closed when the test ends.
func (s *Server) Client(endpoint string) *clientv3.Client {
	s.t.Helper()
	if endpoint == "" {
		endpoint = s.Endpoint
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	require.NoError(s.t, err)
	s.t.Cleanup(func() { _ = cli.Close() })
	return cli
}
