package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The client generators and the runtime modules their clients import, pinned.
const (
	oapiCodegenVersion = "v2.8.2" // github.com/oapi-codegen/oapi-codegen/v2
	oapiRuntimeVersion = "v1.9.0" // github.com/oapi-codegen/runtime
	ogenVersion        = "v1.24.0"
	// clientsGoVersion is the go directive of the clients' temporary module.
	clientsGoVersion = "1.26.0"
)

const (
	oapiCodegenTool = "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@" + oapiCodegenVersion
	ogenTool        = "github.com/ogen-go/ogen/cmd/ogen@" + ogenVersion
)

// goCommandTimeout bounds each go command. With empty module and build
// caches, fetching and compiling a generator takes a minute or more.
const goCommandTimeout = 5 * time.Minute

// TestGeneratedClients generates Go clients from the documents the seed
// serves and calls its routes through them: oapi-codegen's from
// /openapi.json (OpenAPI 3.1) and ogen's from /openapi-3.0.json (3.0.3; ogen
// refuses some 3.1 forms, such as a numeric exclusiveMinimum). The served
// documents are used as they are. The generators run with go run in a
// temporary module, which builds testdata/clients/main.go with both clients;
// run against the seed, it prints one line per call, compared here with what
// the routes answer.
//
// The go commands need the Go module proxy (or a module cache that holds the
// pinned versions). Without CI set, the test is skipped in -short mode and
// when the modules cannot be fetched; with CI set, it runs and fails instead.
func TestGeneratedClients(t *testing.T) {
	ci := os.Getenv("CI") != ""
	if testing.Short() && !ci {
		t.Skip("skipped in -short mode: generating the clients needs the Go module proxy and one to three minutes with cold caches (CI set runs it)")
	}
	g := newGoTool(t, ci)

	rt, _ := newTestRouter(t)
	srv := httptest.NewServer(rt) // on 127.0.0.1
	t.Cleanup(srv.Close)

	// The clients' module: the served documents, the program and ogen's
	// configuration.
	dir := g.dir
	for path, version := range map[string]string{"/openapi.json": "3.1.0", "/openapi-3.0.json": "3.0.3"} {
		doc := getDocument(t, srv.URL+path)
		var head struct{ OpenAPI string }
		require.NoError(t, json.Unmarshal(doc, &head), "GET %s", path)
		require.Equal(t, version, head.OpenAPI, "GET %s", path)
		require.NoError(t, os.WriteFile(filepath.Join(dir, path[1:]), doc, 0o644))
	}
	for _, name := range []string{"main.go", "ogen.yml"} {
		b, err := os.ReadFile(filepath.Join("testdata", "clients", name))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	gomod := "module example.com/clients\n\ngo " + clientsGoVersion + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644))

	// Fetch (and compile) the generators and the clients' runtime modules
	// first, so that a network failure is told from a refused document.
	g.fetch("oapi-codegen", "run", oapiCodegenTool, "-version")
	g.fetch("ogen", "run", ogenTool, "-version")
	g.fetch("the clients' modules", "get",
		"github.com/oapi-codegen/runtime@"+oapiRuntimeVersion, "github.com/ogen-go/ogen@"+ogenVersion)

	out := g.run("oapi-codegen", "run", oapiCodegenTool,
		"-generate", "types,client", "-package", "oapiclient", "-o", "oapiclient/client.gen.go", "openapi.json")
	logOutput(t, "oapi-codegen", out)
	out = g.run("ogen", "run", ogenTool,
		"--config", "ogen.yml", "--target", "ogenclient", "--package", "ogenclient", "--clean", "openapi-3.0.json")
	logOutput(t, "ogen", out)

	g.run("tidying the clients' module", "mod", "tidy")
	bin := filepath.Join(dir, "clients")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	g.run("building the clients", "build", "-o", bin, ".")

	got := runClients(t, bin, srv.URL)

	var want []string
	for _, client := range []string{"oapi", "ogen"} {
		for _, line := range wantCalls {
			want = append(want, client+" "+line)
		}
	}
	assert.Equal(t, want, got)
}

// wantCalls are the lines testdata/clients/main.go prints for each client.
var wantCalls = []string{
	`users: status=200 message="List of dynamic users" users=[]`,
	`products get 123: status=200 product_id=123 message="Details for dynamic product 123"`,
	`products post 9007199254740993: status=200 product_id=9007199254740993 message="Created/Updated dynamic product 9007199254740993"`,
	`products post null: status=200 product_id=9007199254740993 message="Created/Updated dynamic product 9007199254740993"`,
	`products post no body: status=200 product_id=9007199254740993 message="Created/Updated dynamic product 9007199254740993"`,
	`products post too large: status=413 problem.status=413 title="Request Entity Too Large" detail="the request body is larger than 1048576 bytes" errors=[]`,
	`admin: status=200 message="Welcome to the Dynamic Admin Area"`,
	`echo get a/b: status=200 route=echo method=GET pattern=/dynamic/echo/{rest...} params={"rest":"a/b"}`,
	`echo post a/b: status=200 route=echo method=POST pattern=/dynamic/echo/{rest...} params={"rest":"a/b"}`,
	`echo put a/b: status=200 route=echo method=PUT pattern=/dynamic/echo/{rest...} params={"rest":"a/b"}`,
	`echo patch a/b: status=200 route=echo method=PATCH pattern=/dynamic/echo/{rest...} params={"rest":"a/b"}`,
	`echo delete a/b: status=200 route=echo method=DELETE pattern=/dynamic/echo/{rest...} params={"rest":"a/b"}`,
	`static: status=200 message="This is a static route"`,
}

// getDocument returns the body of GET url, which must answer 200 with JSON.
func getDocument(t *testing.T, url string) []byte {
	t.Helper()
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, "GET %s: %s", url, body)
	require.Contains(t, res.Header.Get("Content-Type"), "json", "GET %s", url)
	return body
}

// runClients runs the clients program against url and returns the lines it
// printed.
func runClients(t *testing.T, bin, url string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, url, testAdminKey)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("running the clients: %v\nstderr:\n%s\nstdout:\n%s", err, stderr.Bytes(), stdout.Bytes())
	}
	t.Logf("the clients printed:\n%s", stdout.Bytes())
	return strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
}

// logOutput logs what a generator printed, if anything.
func logOutput(t *testing.T, what, out string) {
	t.Helper()
	if out = strings.TrimSpace(out); out != "" {
		t.Logf("%s printed:\n%s", what, out)
	}
}

// goTool runs the go command in the clients' temporary module, apart from
// the repository: GOWORK=off, and -mod=mod in GOFLAGS.
type goTool struct {
	t   *testing.T
	ci  bool
	bin string
	dir string
	env []string
}

func newGoTool(t *testing.T, ci bool) *goTool {
	g := &goTool{t: t, ci: ci, dir: t.TempDir()}
	bin, err := exec.LookPath("go")
	if err != nil {
		g.unavailable("no go command: %v", err)
	}
	g.bin = bin
	flags := []string{"-mod=mod"}
	for _, f := range strings.Fields(os.Getenv("GOFLAGS")) {
		if !strings.HasPrefix(f, "-mod=") {
			flags = append(flags, f)
		}
	}
	g.env = append(os.Environ(), "GOWORK=off", "GOFLAGS="+strings.Join(flags, " "))
	return g
}

// fetch runs a go command that downloads modules. If it fails for want of
// the network, the test is skipped, or fails if CI is set.
func (g *goTool) fetch(what string, args ...string) {
	g.t.Helper()
	g.exec("fetching "+what, true, args...)
}

// run runs a go command and returns its output; the test fails if it does,
// unless for want of the network as with fetch.
func (g *goTool) run(what string, args ...string) string {
	g.t.Helper()
	return g.exec(what, false, args...)
}

func (g *goTool) exec(what string, fetching bool, args ...string) string {
	g.t.Helper()
	timeout := goCommandTimeout
	if deadline, ok := g.t.Deadline(); ok {
		// End the command early enough to report on it, before go test's
		// -timeout panics.
		timeout = min(timeout, time.Until(deadline)-30*time.Second)
	}
	ctx, cancel := context.WithTimeout(g.t.Context(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, g.bin, args...)
	cmd.Dir, cmd.Env, cmd.WaitDelay = g.dir, g.env, 10*time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	line := "go " + strings.Join(args, " ")
	g.t.Logf("%s: %s (%s)", what, line, time.Since(start).Round(time.Millisecond))
	switch {
	case err == nil:
		return out.String()
	case errors.Is(ctx.Err(), context.DeadlineExceeded) && fetching:
		g.unavailable("%s: %s: timed out after %s\n%s", what, line, timeout.Round(time.Second), out.Bytes())
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		g.t.Fatalf("%s: %s: timed out after %s\n%s", what, line, timeout.Round(time.Second), out.Bytes())
	case isNetworkFailure(out.String()):
		g.unavailable("%s: %s: %v\n%s", what, line, err, out.Bytes())
	}
	g.t.Fatalf("%s: %s: %v\n%s", what, line, err, out.Bytes())
	return ""
}

// unavailable ends the test when what it needs cannot be had: skipped, or
// failed if CI is set.
func (g *goTool) unavailable(format string, args ...any) {
	g.t.Helper()
	msg := fmt.Sprintf(format, args...)
	if g.ci {
		g.t.Fatalf("CI is set, so this fails rather than skips: %s", msg)
	}
	g.t.Skipf("cannot fetch the pinned modules (the Go module proxy is needed; with CI set this fails): %s", msg)
}

// isNetworkFailure reports whether go command output says modules could not
// be downloaded.
func isNetworkFailure(out string) bool {
	for _, s := range []string{
		"dial tcp", "no such host", "server misbehaving", "connection refused",
		"connection reset", "network is unreachable", "no route to host",
		"i/o timeout", "TLS handshake timeout", "proxyconnect",
		"module lookup disabled by GOPROXY=off", "reading https://",
	} {
		if strings.Contains(out, s) {
			return true
		}
	}
	return false
}
