//go:build linux

package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The browser test needs a headless Chromium.
const (
	installChromium = "apt-get install -y --no-install-recommends chromium"
	// chromiumTimeout bounds each Chromium run; one takes a few seconds.
	chromiumTimeout = 60 * time.Second
	// chromiumVirtualTime is the virtual time a page gets to render in
	// before its DOM is dumped or its screenshot taken.
	chromiumVirtualTime = 15 * time.Second
)

// docsAssets are the files the pages load from the server itself (package
// docsui).
var docsAssets = []string{"/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css", "/redoc/redoc.standalone.js"}

// docsPages are the documentation pages, with the id of the element each
// renders for an operation under one of its tags (the tag is "default" for
// an operation without any), and the text shown when the document could not
// be loaded.
var docsPages = []struct {
	name, path string
	operation  func(tag, operationID string) string
	failure    string
}{
	{
		name: "swagger-ui", path: "/docs",
		// One element per tag, its id escaped as Swagger UI does.
		operation: func(tag, operationID string) string {
			return "operations-" + swaggerDeepLink(tag) + "-" + swaggerDeepLink(operationID)
		},
		failure: "Failed to load API definition",
	},
	{
		name: "redoc", path: "/redoc",
		operation: func(_, operationID string) string { return "operation/" + operationID },
		failure:   "Something went wrong",
	},
}

// TestDocsInBrowser renders /docs (Swagger UI) and /redoc (ReDoc) of the seed
// in headless Chromium, with the pinned Swagger UI and ReDoc the server
// embeds (package docsui) and every host but 127.0.0.1 unreachable, as
// without a network, and checks that every operation of the served
// /openapi.json is on each page, under each of its tags for Swagger UI.
// Each page's rendered DOM and a screenshot are saved in
// $DYNROUTE_ARTIFACTS (or a temporary directory) as <page>.html and <page>.png.
//
// Without Chromium the test is skipped, or fails if CI is set. It runs on Linux only (it kills Chromium's processes through
// process groups and /proc).
func TestDocsInBrowser(t *testing.T) {
	ci := os.Getenv("CI") != ""
	browser := findChromium(t, ci)

	specs, err := loadSpecs("")
	require.NoError(t, err)
	rt, skipped, err := newRouter(specs, options{}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.Empty(t, skipped)
	srv := httptest.NewServer(rt) // on 127.0.0.1
	t.Cleanup(srv.Close)
	for _, target := range docsAssets {
		res, err := http.Get(srv.URL + target)
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode, "GET %s", target)
	}
	for _, page := range []string{"/docs", "/redoc"} {
		res, err := http.Get(srv.URL + page)
		require.NoError(t, err)
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		require.NoError(t, err)
		require.NotContains(t, string(b), "https://", "%s loads nothing from another host", page)
	}

	doc := fetchDocument(t, srv.URL+"/openapi.json")
	require.NotEmpty(t, doc.operations, "the seed's document has operations")
	artifacts := artifactsDir(t)

	// The pages are rendered one after the other: Chromium is heavy enough.
	for _, page := range docsPages {
		t.Run(page.name, func(t *testing.T) {
			url := srv.URL + page.path
			dom := browser.dumpDOM(t, url)
			require.NoError(t, os.WriteFile(filepath.Join(artifacts, page.name+".html"), []byte(dom), 0o644))
			require.NotContains(t, dom, page.failure, "%s failed to load the document", page.name)
			ids := elementIDs(dom)
			require.NotEmpty(t, ids, "%s rendered nothing", page.name)
			// The texts of the document, as rendered: the served <body>
			// holds none of them. (They are plain text, not changed by
			// rendering them as Markdown.)
			_, body, ok := strings.Cut(dom, "<body")
			require.True(t, ok, "no <body> in the DOM")
			assert.Contains(t, body, domText(doc.title), "the document's title")
			assert.Contains(t, body, domText(doc.description), "the document's description")
			for _, tag := range doc.tags {
				assert.Contains(t, body, domText(tag.Description), "the description of tag %q", tag.Name)
			}
			for _, op := range doc.operations {
				tags := op.tags
				if len(tags) == 0 {
					tags = []string{"default"}
				}
				for _, tag := range tags {
					id := page.operation(tag, op.id)
					assert.True(t, ids[id], "%s %s (operationId %q, tag %q): no element with id %q",
						op.method, op.path, op.id, tag, id)
				}
			}

			file := filepath.Join(artifacts, page.name+".png")
			browser.screenshot(t, url, file)
			png, err := os.ReadFile(file)
			require.NoError(t, err)
			require.True(t, bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")), "%s is not a PNG", file)
			t.Logf("DOM and screenshot: %s.{html,png}", strings.TrimSuffix(file, ".png"))
		})
	}
}

// chromium runs a headless Chromium.
type chromium struct{ bin string }

// findChromium returns the Chromium on PATH; without one the test is
// skipped, or fails if CI is set.
func findChromium(t *testing.T, ci bool) chromium {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if bin, err := exec.LookPath(name); err == nil {
			return chromium{bin: bin}
		}
	}
	missing(t, ci, "no chromium, chromium-browser or google-chrome on PATH", installChromium)
	return chromium{}
}

// docsAssetsDir returns a temporary directory holding docsAssets, linked
// from testdata/npm/node_modules; without those the test is skipped, or
// missing ends the test for want of what it needs: skipped, or failed if CI
// is set.
func missing(t *testing.T, ci bool, why, install string) {
	t.Helper()
	if ci {
		t.Fatalf("%s; install it with: %s", why, install)
	}
	t.Skipf("skipped: %s; install it with: %s (with CI set this fails)", why, install)
}

// artifactsDir is where the DOMs and screenshots go: $DYNROUTE_ARTIFACTS if set, else
// a temporary directory.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("DYNROUTE_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

// dumpDOM returns the page's DOM once rendered.
func (c chromium) dumpDOM(t *testing.T, url string) string {
	t.Helper()
	return c.run(t, "dump-dom "+url, "--dump-dom", url)
}

// screenshot saves a PNG of the page's first 1280×2000 pixels in file.
func (c chromium) screenshot(t *testing.T, url, file string) {
	t.Helper()
	c.run(t, "screenshot "+url, "--screenshot="+file, "--window-size=1280,2000", "--hide-scrollbars", url)
}

// run runs Chromium headless with a profile and home of its own, every host
// but 127.0.0.1 unresolvable, and returns its standard output. Chromium and
// everything it started are killed once it exits or times out.
func (c chromium) run(t *testing.T, what string, args ...string) string {
	t.Helper()
	home := t.TempDir()
	args = append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update",
		"--disable-extensions", "--disable-sync",
		"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
		"--user-data-dir=" + filepath.Join(home, "profile"),
		"--virtual-time-budget=" + strconv.FormatInt(chromiumVirtualTime.Milliseconds(), 10),
	}, args...)
	ctx, cancel := context.WithTimeout(t.Context(), chromiumTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"))
	// Chromium runs in a process group of its own, which is killed as a
	// whole on timeout; Pdeathsig kills it if the test binary dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	killLeftovers(t, home)
	t.Logf("chromium %s: %s", what, time.Since(start).Round(time.Millisecond))
	if err != nil {
		// Chromium's standard error is noisy (D-Bus and the like): shown
		// only when it failed.
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("timed out after %s: %w", chromiumTimeout, err)
		}
		t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return stdout.String()
}

// killLeftovers kills what is left of a Chromium run whose home was dir:
// the processes whose command line names dir (its --user-data-dir, or the
// crash database of its crashpad handlers, which run in sessions of their
// own, out of reach of a process group kill). It waits until they are gone,
// so that none outlives the test or writes into dir while it is removed.
func killLeftovers(t *testing.T, dir string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		pids := processesNaming(dir + string(filepath.Separator))
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("chromium processes %v still running after SIGKILL", pids)
			return
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL) // ESRCH if it is gone already
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// processesNaming returns the processes whose command line contains s. A
// zombie's command line is empty.
func processesNaming(s string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(cmdline, []byte(s)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// elementIDs returns the ids of the elements of a dumped DOM.
func elementIDs(dom string) map[string]bool {
	ids := make(map[string]bool)
	for _, m := range idAttr.FindAllStringSubmatch(dom, -1) {
		ids[html.UnescapeString(m[1])] = true
	}
	return ids
}

// domText escapes text as Chromium serializes it in a text node.
var domText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\u00a0", "&nbsp;").Replace

// idAttr matches an id attribute as Chromium serializes it: always in
// double quotes, with & and " escaped.
var idAttr = regexp.MustCompile(`\sid="([^"]*)"`)

// swaggerDeepLink escapes a tag or an operationId as Swagger UI does in the
// ids of its elements (escapeDeepLinkPath): trimmed, white space replaced by
// underscores, then CSS.escape'd.
func swaggerDeepLink(s string) string {
	s = strings.Join(strings.Fields(s), "_")
	return cssEscape(s)
}

// cssEscape is CSS.escape (https://drafts.csswg.org/cssom/#serialize-an-identifier).
func cssEscape(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case r == 0:
			b.WriteRune('\uFFFD')
		case r <= 0x1f || r == 0x7f,
			i == 0 && r >= '0' && r <= '9',
			i == 1 && r >= '0' && r <= '9' && rs[0] == '-':
			fmt.Fprintf(&b, "\\%x ", r)
		case i == 0 && r == '-' && len(rs) == 1:
			b.WriteString(`\-`)
		case r >= 0x80 || r == '-' || r == '_' || r >= '0' && r <= '9' ||
			r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		default:
			b.WriteByte('\\')
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestCSSEscape(t *testing.T) {
	for in, want := range map[string]string{
		"list_users": "list_users",
		"users.list": `users\.list`,
		"1st":        `\31 st`,
		"-1":         `-\31 `,
		"-":          `\-`,
		"a b":        `a\ b`,
		"héllo":      "héllo",
		"a\x01":      `a\1 `,
	} {
		assert.Equal(t, want, cssEscape(in), "cssEscape(%q)", in)
	}
	assert.Equal(t, "Dynamic_routes", swaggerDeepLink(" Dynamic routes "))
}

// servedDocument is what the test needs of an OpenAPI document.
type servedDocument struct {
	title       string
	description string
	tags        []docTag
	operations  []docOperation
}

type docTag struct{ Name, Description string }

type docOperation struct {
	method, path, id string
	tags             []string
}

// httpMethods are the fields of a path item that are operations.
var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// fetchDocument gets and parses the OpenAPI document at url.
func fetchDocument(t *testing.T, url string) servedDocument {
	t.Helper()
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, "GET %s: %s", url, body)
	var raw struct {
		Info  struct{ Title, Description string }
		Tags  []docTag
		Paths map[string]map[string]json.RawMessage
	}
	require.NoError(t, json.Unmarshal(body, &raw), "GET %s", url)
	doc := servedDocument{title: raw.Info.Title, description: raw.Info.Description, tags: raw.Tags}
	for path, item := range raw.Paths {
		for _, method := range httpMethods {
			op, ok := item[method]
			if !ok {
				continue
			}
			var o struct {
				OperationID string
				Tags        []string
			}
			require.NoError(t, json.Unmarshal(op, &o), "%s %s", method, path)
			require.NotEmpty(t, o.OperationID, "%s %s has no operationId", method, path)
			doc.operations = append(doc.operations, docOperation{method: method, path: path, id: o.OperationID, tags: o.Tags})
		}
	}
	slices.SortFunc(doc.operations, func(a, b docOperation) int {
		return cmp.Or(strings.Compare(a.path, b.path), strings.Compare(a.method, b.method))
	})
	return doc
}

// TestDocsAuthorizeInBrowser drives /docs in headless Chromium as a user
// would: Authorize, the admin key typed into admin_key's field, Authorize,
// Close; then the admin operation expanded, Try it out, Execute, and the
// answer in the response panel is 200 with the seed's admin answer, sent
// with the key. Reloaded, the page is still authorized (persistAuthorization)
// and Execute still succeeds. Chromium is driven through the DevTools
// protocol on a pipe (cdp_test.go); the page loads nothing from another host.
// A screenshot of the end is saved in $DYNROUTE_ARTIFACTS (or a temporary
// directory) as swagger-ui-authorized.png.
//
// Without Chromium the test is skipped, or fails if CI is set.
func TestDocsAuthorizeInBrowser(t *testing.T) {
	ci := os.Getenv("CI") != ""
	browser := findChromium(t, ci)

	const key = "browser-admin-key"
	t.Setenv(adminKeyEnv, key)
	specs, err := loadSpecs("")
	require.NoError(t, err)
	rt, _, err := newRouter(specs, options{}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	srv := httptest.NewServer(rt) // on 127.0.0.1
	t.Cleanup(srv.Close)

	d := browser.devtools(t)
	p := d.open(srv.URL + "/docs")
	op := "#" + "operations-" + swaggerDeepLink("Admin") + "-" + swaggerDeepLink("admin_only")
	p.waitFor("the admin operation", "document.querySelector("+jsString(op)+")", pageTimeout)
	require.Contains(t, p.text(".auth-wrapper"), "Authorize")
	var unlocked bool
	p.eval("!!document.querySelector('.auth-wrapper .authorize.unlocked')", &unlocked)
	require.True(t, unlocked, "not authorized yet")

	p.click("the Authorize button", ".auth-wrapper button.authorize")
	p.waitFor("admin_key in the dialog", "document.querySelector('.modal-ux .auth-container')", pageTimeout)
	assert.Contains(t, p.text(".modal-ux .auth-container"), "admin_key")
	assert.Contains(t, p.text(".modal-ux .auth-container"), "X-API-Key")
	p.typeInto("admin_key's field", ".modal-ux .auth-container input", key)
	p.click("the dialog's Authorize", ".modal-ux .auth-btn-wrapper button.authorize")
	p.waitFor("Logout in the dialog", "[...document.querySelectorAll('.modal-ux .auth-btn-wrapper button')].some(b => b.textContent === 'Logout')", pageTimeout)
	p.click("Close", ".modal-ux .auth-btn-wrapper .btn-done")
	p.waitFor("the dialog closed", "!document.querySelector('.modal-ux')", pageTimeout)
	p.waitFor("the Authorize button locked", "document.querySelector('.auth-wrapper .authorize.locked')", pageTimeout)

	isOpen := func() bool {
		var open bool
		p.eval("!!document.querySelector("+jsString(op+".is-open")+")", &open)
		return open
	}
	// ensureOpen opens the admin operation unless it is open (deep linking
	// reopens it after a reload, possibly a moment after the page shows):
	// a click while Swagger UI is still rendering can be lost, so it
	// clicks again until the operation is open, without ever toggling an
	// open one closed.
	ensureOpen := func(when string) {
		t.Helper()
		for attempt := 0; !isOpen(); attempt++ {
			if attempt == 5 {
				t.Fatalf("the admin operation does not open (%s)", when)
			}
			p.click("the admin operation's summary ("+when+")", op+" .opblock-summary-control")
			for deadline := time.Now().Add(2 * time.Second); !isOpen() && time.Now().Before(deadline); {
				time.Sleep(50 * time.Millisecond)
			}
		}
	}
	execute := func(when string) {
		t.Helper()
		ensureOpen(when)
		// Try it out, clicked again if the click is lost while the page
		// renders (but never when it already says Cancel).
		hasExecute := func() bool {
			var ok bool
			p.eval("!!document.querySelector("+jsString(op+" button.execute")+")", &ok)
			return ok
		}
		for attempt := 0; !hasExecute(); attempt++ {
			if attempt == 5 {
				t.Fatalf("Try it out does not show Execute (%s)", when)
			}
			var label string
			p.eval("(document.querySelector("+jsString(op+" .try-out__btn")+") || {}).textContent || ''", &label)
			if strings.TrimSpace(label) != "Cancel" {
				p.click("Try it out ("+when+")", op+" .try-out__btn")
			}
			for deadline := time.Now().Add(2 * time.Second); !hasExecute() && time.Now().Before(deadline); {
				time.Sleep(50 * time.Millisecond)
			}
		}
		p.click("Execute ("+when+")", op+" button.execute")
		status := op + " .live-responses-table .response .response-col_status"
		p.waitFor("the response ("+when+")", "document.querySelector("+jsString(status)+")", pageTimeout)
		assert.Equal(t, "200", strings.TrimSpace(p.text(status)), when)
		assert.Contains(t, p.text(op+" .live-responses-table tbody .response-col_description"),
			"Welcome to the Dynamic Admin Area", "the seed's admin answer (%s)", when)
		assert.Contains(t, p.text(op+" .curl-command"), "X-API-Key: "+key, "the request sent the key (%s)", when)
		var locked string
		p.eval("document.querySelector("+jsString(op+" .authorization__btn")+").getAttribute('aria-label')", &locked)
		assert.Equal(t, "authorization button locked", locked, when)
	}
	execute("authorized")

	p.reload()
	p.waitFor("the admin operation after the reload",
		"document.querySelector("+jsString(op)+") && document.querySelector('.auth-wrapper .authorize')", pageTimeout)
	var persisted bool
	p.eval("!!document.querySelector('.auth-wrapper .authorize.locked')", &persisted)
	require.True(t, persisted, "still authorized after a reload (persistAuthorization)")
	var stored string
	p.eval("localStorage.getItem('authorized') || ''", &stored)
	assert.Contains(t, stored, "admin_key")
	execute("after the reload")

	file := filepath.Join(artifactsDir(t), "swagger-ui-authorized.png")
	p.screenshot(file)
	t.Logf("screenshot: %s", file)
}
