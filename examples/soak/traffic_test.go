package soak

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// The servers a probe targets.
const (
	configServer = iota // examples/config's router, never changed
	reloadServer        // examples/reload's router, changed all the time
	numServers
)

// serverNames name the servers in the report.
var serverNames = [numServers]string{"config", "reload"}

// answer is what a request got.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// A check says whether an answer is the one expected; its error wraps
// errStatus or errBody.
type check func(a *answer) error

var (
	errStatus = errors.New("unexpected status")
	errBody   = errors.New("unexpected answer")
)

// probe is one kind of request of the mix and the answers it may get. An
// expected 4xx (a bad id, an unknown path, a wrong method) is not an error.
type probe struct {
	name   string // server/what, for the report
	server int    // configServer or reloadServer
	method string
	path   string
	body   string // a JSON request body; "" for none
	weight int    // how often, relative to the other probes
	check  check
	apiKey string // sent as X-API-Key; "" for none
}

// want expects status, a Content-Type of ctype (unless ""), and a body
// holding every one of subs.
func want(status int, ctype string, subs ...string) check {
	return func(a *answer) error {
		if a.status != status {
			return fmt.Errorf("%w %d, want %d: %.200s", errStatus, a.status, status, a.body)
		}
		if ct := a.header.Get("Content-Type"); ctype != "" && ct != ctype {
			return fmt.Errorf("%w: Content-Type %q, want %q", errBody, ct, ctype)
		}
		for _, s := range subs {
			if !bytes.Contains(a.body, []byte(s)) {
				return fmt.Errorf("%w: no %q in %.200s", errBody, s, a.body)
			}
		}
		return nil
	}
}

// exact expects status and exactly body (plus the newline the handlers end
// their JSON with).
func exact(status int, body string) check {
	return func(a *answer) error {
		if a.status != status {
			return fmt.Errorf("%w %d, want %d: %.200s", errStatus, a.status, status, a.body)
		}
		if string(a.body) != body+"\n" {
			return fmt.Errorf("%w: %.200q, want %q", errBody, a.body, body)
		}
		return nil
	}
}

// header expects a header's value besides what c expects.
func header(c check, name, value string) check {
	return func(a *answer) error {
		if err := c(a); err != nil {
			return err
		}
		if got := a.header.Get(name); got != value {
			return fmt.Errorf("%w: %s %q, want %q", errBody, name, got, value)
		}
		return nil
	}
}

// empty expects status and no body.
func empty(status int) check {
	return func(a *answer) error {
		if a.status != status {
			return fmt.Errorf("%w %d, want %d: %.200s", errStatus, a.status, status, a.body)
		}
		if len(a.body) != 0 {
			return fmt.Errorf("%w: a body of %d bytes", errBody, len(a.body))
		}
		return nil
	}
}

// either accepts an answer any of checks accepts: a route that a reload
// adds and removes may be served or not, but whichever it is, the answer
// must be whole.
func either(checks ...check) check {
	return func(a *answer) error {
		var errs []error
		for _, c := range checks {
			err := c(a)
			if err == nil {
				return nil
			}
			errs = append(errs, err)
		}
		// Report the check the status fitted, if one did.
		for _, err := range errs {
			if !errors.Is(err, errStatus) {
				return err
			}
		}
		return errs[0]
	}
}

// problem expects an RFC 9457 problem document with status.
func problem(status int, subs ...string) check {
	return want(status, "application/problem+json", append([]string{fmt.Sprintf(`"status":%d`, status)}, subs...)...)
}

// Traffic.

// configMix is the traffic for the config example: each route of its
// routes.yaml with good and bad input, the route added in code, the mounted
// plugin, the automatic HEAD, OPTIONS, 405 and trailing-slash redirect, 404s,
// and its OpenAPI document, which must be byte for byte the one it served
// before the load (the router never changes).
func configMix(openapi []byte) []probe {
	const s = configServer
	return []probe{
		{"config/static", s, "GET", "/static/route", "", 3, exact(200, `{"message":"This is a static route"}`), ""},
		{"config/users", s, "GET", "/dynamic/users", "", 4, want(200, "application/json", `"message":"List of dynamic users"`, `"users":[]`), ""},
		{"config/product", s, "GET", "/dynamic/products/12345", "", 4, exact(200, `{"message":"Details for dynamic product 12345","product_id":12345}`), ""},
		{"config/product-post", s, "POST", "/dynamic/products/5", `{"name":"pen","price":1.50}`, 3,
			exact(200, `{"message":"Created/Updated dynamic product 5","product_id":5}`), ""},
		{"config/product-bad-id", s, "GET", "/dynamic/products/abc", "", 2, problem(422, `"type":"int_parsing"`, `"input":"abc"`), ""},
		{"config/product-bad-body", s, "POST", "/dynamic/products/5", `[1]`, 1, problem(422), ""},
		{"config/product-no-body", s, "POST", "/dynamic/products/5", "", 1, exact(200, `{"message":"Created/Updated dynamic product 5","product_id":5}`), ""},
		{name: "config/admin", server: s, method: "GET", path: "/dynamic/admin", weight: 2, apiKey: soakAdminKey,
			check: exact(200, `{"message":"Welcome to the Dynamic Admin Area"}`)},
		{name: "config/admin-no-key", server: s, method: "GET", path: "/dynamic/admin", weight: 1, check: problem(401)},
		{"config/echo", s, "GET", "/dynamic/echo/a/b?x=1", "", 3,
			exact(200, `{"route":"echo","method":"GET","pattern":"/dynamic/echo/{rest...}","params":{"rest":"a/b"}}`), ""},
		{"config/echo-delete", s, "DELETE", "/dynamic/echo/x", "", 1,
			exact(200, `{"route":"echo","method":"DELETE","pattern":"/dynamic/echo/{rest...}","params":{"rest":"x"}}`), ""},
		{"config/plugin", s, "GET", "/plugina/items/3", "", 2, exact(200, `{"id":3,"name":"item 3"}`), ""},
		{"config/plugin-bad-id", s, "GET", "/plugina/items/0", "", 1, problem(422), ""},
		{"config/plugin-b", s, "GET", "/pluginb/status", "", 1, problem(404), ""}, // not mounted by routes.yaml
		{"config/not-found", s, "GET", "/no/such/route", "", 2, problem(404), ""},
		{"config/405", s, "DELETE", "/dynamic/users", "", 2, header(problem(405), "Allow", "GET, HEAD, OPTIONS"), ""},
		{"config/head", s, "HEAD", "/dynamic/users", "", 1, empty(200), ""},
		{"config/options", s, "OPTIONS", "/dynamic/products/1", "", 1, header(empty(204), "Allow", "GET, HEAD, OPTIONS, POST"), ""},
		{"config/redirect", s, "GET", "/dynamic/users/?page=2", "", 1, header(want(301, ""), "Location", "/dynamic/users?page=2"), ""},
		{"config/openapi", s, "GET", "/openapi.json", "", 1, func(a *answer) error {
			if err := want(200, "application/json")(a); err != nil {
				return err
			}
			if !bytes.Equal(a.body, openapi) {
				return fmt.Errorf("%w: /openapi.json differs from the one served before the load (%d bytes, want %d)",
					errBody, len(a.body), len(openapi))
			}
			return nil
		}, ""},
	}
}

// reloadMix is the traffic for the reload example while its routes file
// flips between versionA and versionB and its code routes are swapped. The
// routes both versions have, and the ones no reload touches, must answer
// every time; a route only one version has may answer or be 404 (or 405),
// but whole either way; the OpenAPI document must always describe one
// whole table.
func reloadMix() []probe {
	const s = reloadServer
	echoV2 := exact(200, `{"route":"echo_v2","method":"GET","pattern":"/v2/echo/{rest...}","params":{"rest":"x/y"}}`)
	return []probe{
		{"reload/static", s, "GET", "/static/route", "", 3, exact(200, `{"message":"This is a static route"}`), ""},
		{"reload/users", s, "GET", "/dynamic/users", "", 4, want(200, "application/json", `"message":"List of dynamic users"`, `"users":[]`), ""},
		{"reload/product", s, "GET", "/dynamic/products/7", "", 4, exact(200, `{"message":"Details for dynamic product 7","product_id":7}`), ""},
		{"reload/product-post", s, "POST", "/dynamic/products/8", `{"n":1}`, 2, exact(200, `{"message":"Created/Updated dynamic product 8","product_id":8}`), ""},
		{"reload/product-bad-id", s, "GET", "/dynamic/products/x1", "", 1, problem(422, `"type":"int_parsing"`), ""},
		{"reload/echo", s, "GET", "/dynamic/echo/a", "", 3,
			exact(200, `{"route":"echo","method":"GET","pattern":"/dynamic/echo/{rest...}","params":{"rest":"a"}}`), ""},
		// POST echo is in version A only, PUT in version B only.
		{"reload/echo-post", s, "POST", "/dynamic/echo/p", `{}`, 2, either(
			exact(200, `{"route":"echo","method":"POST","pattern":"/dynamic/echo/{rest...}","params":{"rest":"p"}}`),
			header(problem(405), "Allow", "GET, HEAD, OPTIONS, PUT")), ""},
		{"reload/admin", s, "GET", "/dynamic/admin", "", 2, either( // version A only
			exact(200, `{"message":"Welcome to the Dynamic Admin Area"}`), problem(404)), ""},
		{"reload/echo-v2", s, "GET", "/v2/echo/x/y", "", 2, either(echoV2, problem(404)), ""}, // version B only
		{"reload/flip", s, "GET", "/soak/flip", "", 3, either( // swapped by ReplaceRoute
			exact(200, `{"flip":"a"}`), exact(200, `{"flip":"b"}`)), ""},
		{"reload/extra", s, "GET", "/soak/extra/9", "", 2, either( // added and removed by Update
			exact(200, `{"route":"soak_extra","method":"GET","pattern":"/soak/extra/{id}","params":{"id":"9"}}`), problem(404)), ""},
		{"reload/not-found", s, "GET", "/dynamic/nothing", "", 1, problem(404), ""},
		{"reload/openapi", s, "GET", "/openapi.json", "", 1, checkReloadSpec, ""},
	}
}

// Paths of the reload example's OpenAPI document.
var (
	// reloadStable are the paths every table has.
	reloadStable = []string{"/static/route", "/dynamic/users", "/dynamic/products/{product_id}",
		"/dynamic/echo/{rest}", "/soak/flip"}
	pathAdmin  = "/dynamic/admin"   // in version A
	pathEchoV2 = "/v2/echo/{rest}"  // in version B
	pathExtra  = "/soak/extra/{id}" // while soak_extra is added
)

// spec is the part of an OpenAPI document checkReloadSpec reads.
type spec struct {
	OpenAPI string                                `json:"openapi"`
	Paths   map[string]map[string]json.RawMessage `json:"paths"`
}

// checkReloadSpec checks that the reload example's OpenAPI document is whole
// and describes one table: the stable paths, exactly one version of the
// routes file (admin and POST echo, or echo_v2 and PUT echo) and maybe the
// extra route; nothing else.
func checkReloadSpec(a *answer) error {
	if err := want(200, "application/json")(a); err != nil {
		return err
	}
	var doc spec
	if err := json.Unmarshal(a.body, &doc); err != nil {
		return fmt.Errorf("%w: /openapi.json: %v", errBody, err)
	}
	if doc.OpenAPI != "3.1.0" {
		return fmt.Errorf("%w: openapi %q", errBody, doc.OpenAPI)
	}
	var missing, extra []string
	for _, p := range reloadStable {
		if doc.Paths[p] == nil {
			missing = append(missing, p)
		}
	}
	_, a1 := doc.Paths[pathAdmin]
	_, b1 := doc.Paths[pathEchoV2]
	echo := doc.Paths["/dynamic/echo/{rest}"]
	_, post := echo["post"]
	_, put := echo["put"]
	versionA, versionB := a1 && post && !b1 && !put, b1 && put && !a1 && !post
	for p := range doc.Paths {
		if !slices.Contains(reloadStable, p) && p != pathAdmin && p != pathEchoV2 && p != pathExtra {
			extra = append(extra, p)
		}
	}
	if len(missing) > 0 || len(extra) > 0 || versionA == versionB {
		return fmt.Errorf("%w: /openapi.json is not one table: missing %v, unexpected %v, admin %v echo_v2 %v echo POST %v PUT %v",
			errBody, missing, extra, a1, b1, post, put)
	}
	return nil
}

// weighted expands probes by their weights into the list clients draw from.
func weighted(probes ...[]probe) []*probe {
	var out []*probe
	for _, ps := range probes {
		for i := range ps {
			for range ps[i].weight {
				out = append(out, &ps[i])
			}
		}
	}
	return out
}

// Clients.

// loadStats is what one client saw; the test merges them.
type loadStats struct {
	byServer [numServers]hist
	byProbe  map[probeStatus]int
	byClass  [6]int // answers by status class: [2] counts 2xx, ...
	errs     tally
}

// probeStatus counts the answers of one status to one probe.
type probeStatus struct {
	probe  string
	status int
}

// client sends the mix until stop is set, as fast as its answers come back,
// one request at a time on a keep-alive connection.
type client struct {
	hc    *http.Client
	urls  [numServers]string // base URLs
	mix   []*probe
	rng   *rand.Rand
	stats loadStats
	buf   bytes.Buffer
	count *atomic.Int64 // requests answered, across clients
}

// run loops until stop is set. A request in flight when stop is set
// finishes: the soak never cancels a request.
func (c *client) run(stop *atomic.Bool) {
	c.stats.byProbe = make(map[probeStatus]int, 2*len(c.mix))
	for !stop.Load() {
		c.do(c.mix[c.rng.IntN(len(c.mix))])
	}
}

// do sends one request of p and records the answer.
func (c *client) do(p *probe) {
	var body io.Reader
	if p.body != "" {
		body = strings.NewReader(p.body)
	}
	req, err := http.NewRequest(p.method, c.urls[p.server]+p.path, body)
	if err != nil {
		c.stats.errs.add("transport", p.name+": "+err.Error())
		return
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if p.apiKey != "" {
		req.Header.Set("X-API-Key", p.apiKey)
	}
	start := time.Now()
	res, err := c.hc.Do(req)
	if err != nil {
		c.stats.errs.add("transport", p.name+": "+err.Error())
		return
	}
	c.buf.Reset()
	_, err = c.buf.ReadFrom(res.Body)
	res.Body.Close()
	took := time.Since(start)
	if err != nil {
		c.stats.errs.add("transport", p.name+": reading the body: "+err.Error())
		return
	}
	c.count.Add(1)
	c.stats.byServer[p.server].add(took)
	c.stats.byProbe[probeStatus{p.name, res.StatusCode}]++
	if class := res.StatusCode / 100; class >= 1 && class <= 5 {
		c.stats.byClass[class]++
	}
	a := answer{status: res.StatusCode, header: res.Header, body: c.buf.Bytes()}
	switch err := p.check(&a); {
	case res.StatusCode >= 500:
		c.stats.errs.add("5xx", fmt.Sprintf("%s: %d %.200s", p.name, res.StatusCode, a.body))
	case errors.Is(err, errStatus):
		c.stats.errs.add("status", p.name+": "+err.Error())
	case err != nil:
		c.stats.errs.add("body", p.name+": "+err.Error())
	}
}

// newTransport returns the clients' shared transport: keep-alive
// connections to the loopback servers, enough idle ones that every client
// keeps its own, no compression, no proxy.
func newTransport(clients int) *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        numServers * clients,
		MaxIdleConnsPerHost: clients,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
}
