package convergence

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// buildInstance builds cmd/instance into a directory of the test's.
func buildInstance(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "instance")
	out, err := exec.Command("go", "build", "-o", bin, "./cmd/instance").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// applied is one set an instance published.
type applied struct {
	version, fingerprint string
	at                   time.Time
}

// instance is one running process of cmd/instance.
type instance struct {
	addr    string
	cmd     *exec.Cmd
	logFile string
	done    chan struct{}

	mu      sync.Mutex
	applied []applied
}

// startFleet starts n instances with args and waits until each listens.
func startFleet(t *testing.T, bin string, n int, env []string, args ...string) []*instance {
	t.Helper()
	fleet := make([]*instance, n)
	for i := range fleet {
		in := &instance{logFile: filepath.Join(t.TempDir(), fmt.Sprintf("instance%d.log", i)), done: make(chan struct{})}
		logf, err := os.Create(in.logFile)
		require.NoError(t, err)
		in.cmd = exec.Command(bin, args...)
		in.cmd.Env = append(os.Environ(), env...)
		in.cmd.Stderr = logf
		stdout, err := in.cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, in.cmd.Start())
		listening := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				f := strings.Fields(sc.Text())
				switch {
				case len(f) == 2 && f[0] == "listening":
					listening <- f[1]
				case len(f) == 3 && f[0] == "applied":
					in.mu.Lock()
					in.applied = append(in.applied, applied{f[1], f[2], time.Now()})
					in.mu.Unlock()
				}
			}
			_ = in.cmd.Wait()
			logf.Close()
			close(in.done)
		}()
		select {
		case in.addr = <-listening:
		case <-in.done:
			log, _ := os.ReadFile(in.logFile)
			t.Fatalf("instance %d exited: %s", i, log)
		case <-time.After(30 * time.Second):
			t.Fatalf("instance %d did not listen", i)
		}
		fleet[i] = in
		t.Cleanup(in.stop)
	}
	return fleet
}

func (in *instance) stop() {
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.done:
	case <-time.After(10 * time.Second):
		_ = in.cmd.Process.Kill()
		<-in.done
	}
}

func (in *instance) logs() string {
	b, _ := os.ReadFile(in.logFile)
	return string(b)
}

// sets returns the fingerprints of the sets the instance published.
func (in *instance) sets() []applied {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]applied(nil), in.applied...)
}

var probeClient = &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}

// get returns the status and body of GET path on the instance.
func (in *instance) get(path string) (int, string, error) {
	resp, err := probeClient.Get("http://" + in.addr + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// serves reports whether path answers 200 with name.
func (in *instance) serves(path, name string) bool {
	code, body, err := in.get(path)
	return err == nil && code == http.StatusOK && body == name
}

// load sends requests for routes in every set, round robin over the
// fleet, from workers goroutines until stop is closed.
type load struct {
	requests, failed atomic.Int64
	mu               sync.Mutex
	firstFailures    []string
	wg               sync.WaitGroup
	stop             chan struct{}
}

func startLoad(fleet []*instance, stable []string, workers int) *load {
	l := &load{stop: make(chan struct{})}
	for w := range workers {
		l.wg.Go(func() {
			for i := w; ; i++ {
				select {
				case <-l.stop:
					return
				default:
				}
				in, name := fleet[i%len(fleet)], stable[i%len(stable)]
				code, body, err := in.get("/" + name)
				l.requests.Add(1)
				if err != nil || code != http.StatusOK || body != name {
					l.failed.Add(1)
					l.mu.Lock()
					if len(l.firstFailures) < 5 {
						l.firstFailures = append(l.firstFailures, fmt.Sprintf("%s /%s: %d %q %v", in.addr, name, code, body, err))
					}
					l.mu.Unlock()
				}
				time.Sleep(500 * time.Microsecond)
			}
		})
	}
	return l
}

func (l *load) end() {
	close(l.stop)
	l.wg.Wait()
}
