package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynroute/dynroute"
)

// logRecord is one line of a JSON slog log, with the attributes the example
// and dynroute's lenient mode log.
type logRecord struct {
	Level      string `json:"level"`
	Msg        string `json:"msg"`
	Name       string `json:"name"`
	Prefix     string `json:"prefix"`
	Source     string `json:"source"`
	Error      string `json:"error"`
	Documented bool   `json:"documented"`
}

// parseLogs parses JSON log lines.
func parseLogs(t *testing.T, logs *bytes.Buffer) []logRecord {
	t.Helper()
	var recs []logRecord
	sc := bufio.NewScanner(bytes.NewReader(logs.Bytes()))
	for sc.Scan() {
		var rec logRecord
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec), "log line: %s", sc.Bytes())
		recs = append(recs, rec)
	}
	require.NoError(t, sc.Err())
	return recs
}

// atLevel returns the records of level.
func atLevel(recs []logRecord, level slog.Level) []logRecord {
	var out []logRecord
	for _, r := range recs {
		if r.Level == level.String() {
			out = append(out, r)
		}
	}
	return out
}

// runResult is what run returned, printed and logged.
type runResult struct {
	code   int
	stdout string
	logs   []logRecord
}

// runWith calls run with o, capturing its output and its JSON log.
func runWith(t *testing.T, o options) runResult {
	t.Helper()
	var stdout, logs bytes.Buffer
	code := run(o, &stdout, slog.New(slog.NewJSONHandler(&logs, nil)))
	return runResult{code: code, stdout: stdout.String(), logs: parseLogs(t, &logs)}
}

// newTestRouter builds the host from the plugin list file ("" for the
// built-in one) as run does, in lenient mode, logging JSON lines into the
// returned buffer.
func newTestRouter(t *testing.T, file string) (*dynroute.Router, []dynroute.Skipped, *bytes.Buffer) {
	t.Helper()
	specs, err := loadPlugins(file)
	require.NoError(t, err)
	var logs bytes.Buffer
	rt, skipped, err := newRouter(specs, options{}, slog.New(slog.NewJSONHandler(&logs, nil)))
	require.NoError(t, err)
	return rt, skipped, &logs
}

// get serves one GET request on h and returns the answer and its body.
func get(t *testing.T, h http.Handler, target string) (*http.Response, []byte) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
	res := w.Result()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, body
}

// writeFile writes content to name in a fresh temporary directory and
// returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(file, []byte(content), 0o600))
	return file
}

// theTwo is the root listing when plugin A and plugin B are mounted.
const theTwo = `{"plugins": [
	{"name": "plugin_a", "app": "plugin_a", "prefix": "/plugina", "documented": true},
	{"name": "plugin_b", "app": "plugin_b", "prefix": "/pluginb", "documented": false}
]}`

func TestRootListsThePlugins(t *testing.T) {
	rt, skipped, logs := newTestRouter(t, "")
	assert.Empty(t, skipped)
	assert.Empty(t, logs.String(), "the built-in list mounts every plugin quietly")

	res, body := get(t, rt, "/")
	require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", body)
	assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
	assert.JSONEq(t, theTwo, string(body))
}

func TestPluginRoutes(t *testing.T) {
	rt, _, _ := newTestRouter(t, "")
	tests := []struct {
		name, target string
		wantStatus   int
		wantBody     string // JSON, if given
		wantLocation string
	}{
		{name: "plugin A's index", target: "/plugina/", wantStatus: 200,
			wantBody: `{"plugin": "plugin_a", "message": "Hello from plugin A"}`},
		{name: "plugin A's typed route", target: "/plugina/items/7", wantStatus: 200,
			wantBody: `{"id": 7, "name": "item 7"}`},
		{name: "plugin A validates", target: "/plugina/items/0", wantStatus: 422},
		{name: "plugin A's own 404", target: "/plugina/nope", wantStatus: 404},
		{name: "plugin B's index", target: "/pluginb/", wantStatus: 200,
			wantBody: `{"plugin": "plugin_b", "message": "Hello from plugin B"}`},
		{name: "plugin B's route", target: "/pluginb/status", wantStatus: 200,
			wantBody: `{"plugin": "plugin_b", "status": "ok"}`},
		{name: "plugin B's own 404", target: "/pluginb/nope", wantStatus: 404},
		{name: "a prefix alone redirects", target: "/plugina", wantStatus: 301, wantLocation: "/plugina/"},
		{name: "plugin B's prefix alone", target: "/pluginb?x=1", wantStatus: 301, wantLocation: "/pluginb/?x=1"},
		{name: "not a prefix", target: "/pluginab/status", wantStatus: 404},
		{name: "a plugin's path without its prefix", target: "/items/7", wantStatus: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := get(t, rt, tt.target)
			require.Equal(t, tt.wantStatus, res.StatusCode, "body: %s", body)
			if tt.wantBody != "" {
				assert.JSONEq(t, tt.wantBody, string(body))
			}
			if tt.wantLocation != "" {
				assert.Equal(t, tt.wantLocation, res.Header.Get("Location"))
			}
		})
	}
}

// TestPrefixStripped checks what the plugins see: the path without the
// prefix, and the prefix and original path from dynroute.MountedAt.
func TestPrefixStripped(t *testing.T) {
	rt, _, _ := newTestRouter(t, "")
	for _, tt := range []struct{ target, want string }{
		{"/plugina/whereami", `{"plugin": "plugin_a", "path": "/whereami", "prefix": "/plugina", "original": "/plugina/whereami"}`},
		{"/plugina/whereami?x=1", `{"plugin": "plugin_a", "path": "/whereami", "prefix": "/plugina", "original": "/plugina/whereami"}`},
		{"/pluginb/whereami", `{"plugin": "plugin_b", "path": "/whereami", "prefix": "/pluginb", "original": "/pluginb/whereami"}`},
		{"/plugin%61/whereami", `{"plugin": "plugin_a", "path": "/whereami", "prefix": "/plugina", "original": "/plugina/whereami"}`},
	} {
		t.Run(tt.target, func(t *testing.T) {
			res, body := get(t, rt, tt.target)
			require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", body)
			assert.JSONEq(t, tt.want, string(body))
		})
	}
	t.Run("unmounted", func(t *testing.T) {
		// The same plugin served directly sees the whole path and no mount.
		apps, err := installed()
		require.NoError(t, err)
		res, body := get(t, apps["plugin_b"], "/whereami")
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.JSONEq(t, `{"plugin": "plugin_b", "path": "/whereami", "prefix": "", "original": "/whereami"}`, string(body))
	})
	t.Run("a real server", func(t *testing.T) {
		srv := httptest.NewServer(rt) // 127.0.0.1
		defer srv.Close()
		res, err := srv.Client().Get(srv.URL + "/plugina") // redirected to /plugina/
		require.NoError(t, err)
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		assert.Equal(t, "/plugina/", res.Request.URL.Path)
		assert.JSONEq(t, `{"plugin": "plugin_a", "message": "Hello from plugin A"}`, string(body))
	})
}

// TestOpenAPI checks that the host's document holds its own operation and
// plugin A's under /plugina, and that plugin B, a ServeMux, contributes
// none.
func TestOpenAPI(t *testing.T) {
	rt, _, _ := newTestRouter(t, "")
	res, body := get(t, rt, "/openapi.json")
	require.Equal(t, http.StatusOK, res.StatusCode)
	loaded, err := openapi3.NewLoader().LoadFromData(body)
	require.NoError(t, err)
	require.NoError(t, loaded.Validate(context.Background(), openapi3.EnableMultiError()))

	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string   `json:"operationId"`
			Tags        []string `json:"tags"`
		} `json:"paths"`
		Tags []struct {
			Name        string `json:"name"`
			Description string `json:"description"`
		} `json:"tags"`
	}
	require.NoError(t, json.Unmarshal(body, &doc))
	var ops []string
	for path, item := range doc.Paths {
		for method, op := range item {
			ops = append(ops, method+" "+path+" "+op.OperationID)
		}
	}
	slices.Sort(ops)
	assert.Equal(t, []string{
		"get / list_plugins",
		"get /plugina/ plugin_a_index",
		"get /plugina/items/{item_id} plugin_a_item",
		"get /plugina/whereami plugin_a_whereami",
	}, ops, "plugin A's operations under /plugina, none of plugin B's, not the mounts themselves")
	for path := range doc.Paths {
		assert.False(t, strings.HasPrefix(path, "/pluginb"), "plugin B contributes no operation: %s", path)
	}
	require.Len(t, doc.Tags, 2)
	assert.Equal(t, "Host", doc.Tags[0].Name)
	assert.Equal(t, "Plugin A", doc.Tags[1].Name)
	assert.Equal(t, "Items of plugin A, a mounted dynroute Router.", doc.Tags[1].Description,
		"the mounted document's tag descriptions")

	t.Run("docs", func(t *testing.T) {
		res, body := get(t, rt, "/docs")
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.Contains(t, string(body), "openapi.json")
	})
}

func TestMissingPlugin(t *testing.T) {
	t.Run("skipped with a warning", func(t *testing.T) {
		rt, skipped, logs := newTestRouter(t, "missing.yaml")
		require.Len(t, skipped, 1)
		assert.Equal(t, "plugin_c", skipped[0].Spec.App)
		assert.ErrorIs(t, skipped[0].Err, dynroute.ErrUnknownApp)
		warns := atLevel(parseLogs(t, logs), slog.LevelWarn)
		require.Len(t, warns, 1, "logs: %s", logs)
		assert.Equal(t, "plugin_c", warns[0].Name)
		assert.Equal(t, "missing.yaml:10", warns[0].Source)
		assert.Contains(t, warns[0].Error, `mount "plugin_c" /pluginc (missing.yaml:10): unknown app "plugin_c"; did you mean "plugin_a" or "plugin_b"?`)

		_, body := get(t, rt, "/")
		assert.JSONEq(t, theTwo, string(body), "the others are mounted")
		res, _ := get(t, rt, "/pluginc/")
		assert.Equal(t, http.StatusNotFound, res.StatusCode)
		res, _ = get(t, rt, "/pluginb/status")
		assert.Equal(t, http.StatusOK, res.StatusCode)
	})
	t.Run("run warns and serves the others", func(t *testing.T) {
		got := runWith(t, options{file: "missing.yaml", routes: true})
		require.Equal(t, 0, got.code, "logs: %+v", got.logs)
		warns := atLevel(got.logs, slog.LevelWarn)
		require.Len(t, warns, 1, "logs: %+v", got.logs)
		assert.Contains(t, warns[0].Error, `unknown app "plugin_c"`)
		lines := strings.Split(strings.TrimSuffix(got.stdout, "\n"), "\n")
		require.Len(t, lines, 4, "stdout:\n%s", got.stdout)
		assert.Equal(t, []string{"METHODS", "PATH", "NAME", "HANDLER", "SOURCE"}, strings.Fields(lines[0]))
		assert.Equal(t, []string{"/", "list_plugins"}, strings.Fields(lines[1])[1:3])
		assert.Equal(t, []string{"/plugina/{path...}", "plugin_a", "plugin_a", "missing.yaml:7"}, strings.Fields(lines[2])[1:])
		assert.Equal(t, []string{"/pluginb/{path...}", "plugin_b", "plugin_b", "missing.yaml:13"}, strings.Fields(lines[3])[1:])
	})
}

func TestStrictRefuses(t *testing.T) {
	for _, o := range []options{
		{file: "missing.yaml", strict: true, routes: true},
		{file: "missing.yaml", strict: true, addr: "127.0.0.1:0"},
	} {
		t.Run(fmt.Sprintf("routes=%v", o.routes), func(t *testing.T) {
			got := runWith(t, o)
			assert.Equal(t, 1, got.code)
			assert.Empty(t, got.stdout, "nothing is printed or served")
			assert.Empty(t, atLevel(got.logs, slog.LevelWarn), "strict mode skips nothing")
			assert.Empty(t, atLevel(got.logs, slog.LevelInfo), "nothing is mounted")
			errs := atLevel(got.logs, slog.LevelError)
			require.Len(t, errs, 1, "logs: %+v", got.logs)
			assert.Equal(t, "plugin list refused", errs[0].Msg)
			assert.Contains(t, errs[0].Error, "none was added")
			assert.Contains(t, errs[0].Error, `mount "plugin_c" /pluginc (missing.yaml:10): unknown app "plugin_c"`)
		})
	}
	t.Run("newRouter", func(t *testing.T) {
		specs, err := loadPlugins("missing.yaml")
		require.NoError(t, err)
		_, _, err = newRouter(specs, options{strict: true}, slog.New(slog.DiscardHandler))
		require.ErrorIs(t, err, dynroute.ErrUnknownApp)
		require.ErrorIs(t, err, dynroute.ErrInvalidConfig)
	})
	t.Run("the built-in list", func(t *testing.T) {
		got := runWith(t, options{strict: true, routes: true})
		assert.Equal(t, 0, got.code, "logs: %+v", got.logs)
	})
}

func TestPluginListProblems(t *testing.T) {
	tests := []struct {
		name     string
		content  string // "" for a file that does not exist
		strict   bool
		wantCode int
		wantLog  string // in the error, or the warning when the code is 0
	}{
		{name: "no such file", wantCode: 1, wantLog: "no such file"},
		{name: "not YAML", content: "- name: [\n", wantCode: 1, wantLog: "plugins.yaml:1"},
		{
			name:     "a typo is a warning",
			content:  "- name: plugin_a\n  app: plugin_a\n  prefx: /plugina\n- name: plugin_b\n  app: plugin_b\n  prefix: /pluginb\n",
			wantCode: 0, wantLog: `unknown key "prefx"; did you mean "prefix"?`,
		},
		{
			name:     "and refused when strict",
			content:  "- name: plugin_a\n  app: plugin_a\n  prefx: /plugina\n",
			strict:   true,
			wantCode: 1, wantLog: `unknown key "prefx"`,
		},
		{
			name:     "a route instead of a mount",
			content:  "- name: plugin_a\n  app: plugin_a\n  prefix: /plugina\n  path: /x\n",
			wantCode: 0, wantLog: "a mount has no path",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "plugins.yaml")
			if tt.content != "" {
				file = writeFile(t, "plugins.yaml", tt.content)
			}
			got := runWith(t, options{file: file, strict: tt.strict, routes: true})
			require.Equal(t, tt.wantCode, got.code, "logs: %+v", got.logs)
			level := slog.LevelError
			if tt.wantCode == 0 {
				level = slog.LevelWarn
			}
			recs := atLevel(got.logs, level)
			require.NotEmpty(t, recs, "logs: %+v", got.logs)
			var all []string
			for _, r := range recs {
				all = append(all, r.Error)
			}
			assert.Contains(t, strings.Join(all, "\n"), tt.wantLog)
		})
	}
}

// TestRunServeListenError runs the serving path up to the listener: the
// mounted plugins are logged and a bad address is an error.
func TestRunServeListenError(t *testing.T) {
	got := runWith(t, options{addr: "127.0.0.1:-1"})
	assert.Equal(t, 1, got.code)
	var plugins []string
	for _, r := range atLevel(got.logs, slog.LevelInfo) {
		if r.Msg == "plugin" {
			plugins = append(plugins, fmt.Sprintf("%s %s documented=%v", r.Name, r.Prefix, r.Documented))
		}
	}
	assert.Equal(t, []string{"plugin_a /plugina documented=true", "plugin_b /pluginb documented=false"}, plugins)
	errs := atLevel(got.logs, slog.LevelError)
	require.Len(t, errs, 1, "logs: %+v", got.logs)
	assert.Equal(t, "listen", errs[0].Msg)
	assert.Contains(t, errs[0].Error, "invalid port")
}
