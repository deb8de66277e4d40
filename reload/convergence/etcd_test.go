package convergence

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

// etcdServer is an etcd of the test's own, from Debian's etcd-server
// package, on 127.0.0.1 with free ports and a temporary data directory. It
// can be stopped and started again on the same ports and data.
type etcdServer struct {
	t        *testing.T
	bin, dir string
	endpoint string // host:port of its clients
	peerURL  string
	cmd      *exec.Cmd
	done     chan struct{}
}

// etcdBinary finds the etcd server; without one the test fails when CI is
// set and is skipped otherwise.
func etcdBinary(t *testing.T) string {
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

func startEtcd(t *testing.T) *etcdServer {
	t.Helper()
	s := &etcdServer{
		t:        t,
		bin:      etcdBinary(t),
		dir:      t.TempDir(),
		endpoint: fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		peerURL:  fmt.Sprintf("http://127.0.0.1:%d", freePort(t)),
	}
	s.start()
	t.Cleanup(s.stop)
	return s
}

// freePort returns a port nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// start starts the server and waits until it answers.
func (s *etcdServer) start() {
	s.t.Helper()
	logf, err := os.OpenFile(filepath.Join(s.dir, "etcd.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(s.t, err)
	url := "http://" + s.endpoint
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
			s.t.Fatalf("etcd on %s did not become healthy: %v", s.endpoint, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop stops the server (SIGTERM, then SIGKILL) and waits for it.
func (s *etcdServer) stop() {
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

// client returns a client of the server that logs nothing, closed when
// the test ends.
func (s *etcdServer) client(endpoint string) *clientv3.Client {
	s.t.Helper()
	if endpoint == "" {
		endpoint = s.endpoint
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	require.NoError(s.t, err)
	s.t.Cleanup(func() { _ = cli.Close() })
	return cli
}
