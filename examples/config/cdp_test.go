//go:build linux

package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// devtools is a headless Chromium driven through the DevTools protocol
// over a pipe (--remote-debugging-pipe: commands on its fd 3, answers and
// events on its fd 4, each a JSON message ended by a NUL byte), so that a
// test can click and type in a page. It needs nothing but Chromium.
type devtools struct {
	t       *testing.T
	in      *os.File // Chromium's fd 3
	mu      sync.Mutex
	nextID  int
	waiting map[int]chan cdpMessage
	done    chan struct{} // closed when Chromium's fd 4 closes
}

// cdpMessage is a command's answer or an event.
type cdpMessage struct {
	ID     int             `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	Method string `json:"method"`
}

// devtoolsCommandTimeout bounds one DevTools command.
const devtoolsCommandTimeout = 30 * time.Second

// devtools starts Chromium headless with a profile and home of its own and
// every host but 127.0.0.1 unresolvable, as run does. It is killed, with
// everything it started, when the test ends.
func (c chromium) devtools(t *testing.T) *devtools {
	t.Helper()
	home := t.TempDir()
	toChromium, in, err := os.Pipe()
	require.NoError(t, err)
	out, fromChromium, err := os.Pipe()
	require.NoError(t, err)
	cmd := exec.Command(c.bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update",
		"--disable-extensions", "--disable-sync",
		"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
		"--user-data-dir="+filepath.Join(home, "profile"),
		"--window-size=1280,2000", "--remote-debugging-pipe", "about:blank")
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"))
	cmd.ExtraFiles = []*os.File{toChromium, fromChromium} // fds 3 and 4
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	toChromium.Close()
	fromChromium.Close()
	d := &devtools{t: t, in: in, waiting: map[int]chan cdpMessage{}, done: make(chan struct{})}
	go d.read(out)
	t.Cleanup(func() {
		in.Close()
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		out.Close()
		killLeftovers(t, home)
		if t.Failed() {
			t.Logf("chromium's standard error:\n%s", stderr.String())
		}
	})
	return d
}

// read dispatches Chromium's answers to the commands waiting for them;
// events are dropped.
func (d *devtools) read(out *os.File) {
	defer close(d.done)
	r := bufio.NewReader(out)
	for {
		b, err := r.ReadBytes(0)
		if err != nil {
			return
		}
		var m cdpMessage
		if json.Unmarshal(b[:len(b)-1], &m) != nil || m.ID == 0 {
			continue
		}
		d.mu.Lock()
		ch := d.waiting[m.ID]
		delete(d.waiting, m.ID)
		d.mu.Unlock()
		if ch != nil {
			ch <- m
		}
	}
}

// call sends a command, to the page of sessionID if not "", and decodes
// its result into result (if not nil).
func (d *devtools) call(sessionID, method string, params, result any) {
	d.t.Helper()
	d.mu.Lock()
	d.nextID++
	id := d.nextID
	ch := make(chan cdpMessage, 1)
	d.waiting[id] = ch
	d.mu.Unlock()
	msg := map[string]any{"id": id, "method": method, "params": params}
	if params == nil {
		msg["params"] = map[string]any{}
	}
	if sessionID != "" {
		msg["sessionId"] = sessionID
	}
	b, err := json.Marshal(msg)
	require.NoError(d.t, err)
	_, err = d.in.Write(append(b, 0))
	require.NoError(d.t, err, "DevTools %s", method)
	select {
	case m := <-ch:
		if m.Error != nil {
			d.t.Fatalf("DevTools %s: %d %s", method, m.Error.Code, m.Error.Message)
		}
		if result != nil {
			require.NoError(d.t, json.Unmarshal(m.Result, result), "DevTools %s", method)
		}
	case <-d.done:
		d.t.Fatalf("DevTools %s: Chromium exited", method)
	case <-time.After(devtoolsCommandTimeout):
		d.t.Fatalf("DevTools %s: no answer in %s", method, devtoolsCommandTimeout)
	}
}

// page is a tab of a devtools Chromium.
type page struct {
	d         *devtools
	sessionID string
}

// open opens url in a new tab.
func (d *devtools) open(url string) *page {
	d.t.Helper()
	var target struct{ TargetID string }
	d.call("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var session struct{ SessionID string }
	d.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &session)
	p := &page{d: d, sessionID: session.SessionID}
	d.call(p.sessionID, "Page.navigate", map[string]any{"url": url}, nil)
	return p
}

// eval evaluates a JavaScript expression in the page, awaiting it if it is
// a promise, and decodes its value into result (if not nil).
func (p *page) eval(expression string, result any) {
	p.d.t.Helper()
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	p.d.call(p.sessionID, "Runtime.evaluate", map[string]any{
		"expression": expression, "returnByValue": true, "awaitPromise": true, "userGesture": true}, &r)
	if e := r.ExceptionDetails; e != nil {
		p.d.t.Fatalf("evaluating %s: %s %s", expression, e.Text, e.Exception.Description)
	}
	if result != nil && len(r.Result.Value) > 0 {
		require.NoError(p.d.t, json.Unmarshal(r.Result.Value, result), "evaluating %s", expression)
	}
}

// waitFor evaluates a JavaScript expression until it is true, or fails the
// test with what after timeout.
func (p *page) waitFor(what, expression string, timeout time.Duration) {
	p.d.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var ok bool
		p.eval("Boolean("+expression+")", &ok)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			p.d.t.Fatalf("waited %s for %s (%s)", timeout, what, expression)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// click waits for the element selector names and clicks it in the middle,
// with the mouse, as a user would.
func (p *page) click(what, selector string) {
	p.d.t.Helper()
	q := "document.querySelector(" + jsString(selector) + ")"
	p.waitFor(what, q, pageTimeout)
	var box struct{ X, Y float64 }
	p.eval("(() => { const e = "+q+"; e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect(); "+
		"return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()", &box)
	for _, typ := range []string{"mouseMoved", "mousePressed", "mouseReleased"} {
		p.d.call(p.sessionID, "Input.dispatchMouseEvent", map[string]any{
			"type": typ, "x": box.X, "y": box.Y, "button": "left", "clickCount": 1}, nil)
	}
}

// typeInto focuses the element selector names and types text into it.
func (p *page) typeInto(what, selector, text string) {
	p.d.t.Helper()
	p.click(what, selector)
	p.d.call(p.sessionID, "Input.insertText", map[string]any{"text": text}, nil)
}

// text returns the text content of the element selector names, "" if
// there is none.
func (p *page) text(selector string) string {
	p.d.t.Helper()
	var s string
	p.eval("(document.querySelector("+jsString(selector)+") || {}).textContent || ''", &s)
	return s
}

// reload reloads the page.
func (p *page) reload() {
	p.d.t.Helper()
	p.d.call(p.sessionID, "Page.reload", nil, nil)
}

// screenshot saves a PNG of the page's viewport in file.
func (p *page) screenshot(file string) {
	p.d.t.Helper()
	var shot struct{ Data []byte }
	p.d.call(p.sessionID, "Page.captureScreenshot", map[string]any{"format": "png"}, &shot)
	require.NoError(p.d.t, os.WriteFile(file, shot.Data, 0o644))
}

// pageTimeout bounds the wait for one change of a page.
const pageTimeout = 20 * time.Second

// jsString quotes s as a JavaScript string.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
