package bench

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// twilioItemRoute is the route of BenchmarkDispatchTwilio's item request,
// GET /2010-04-01/Accounts/AC…/Calls/SM….json: two parameters, the second
// inside its segment.
const twilioItemRoute = twilioAccount + "/Calls/{Sid}.json"

// twilioTable is TwilioAPI prepared once for all benchmarks.
var twilioTable = newTable(TwilioAPI)

// twilioServers are the routers of BenchmarkDispatchTwilio, built as for
// the GitHub benchmarks: chi first, the baseline, then dynroute's fast and
// compat paths. httprouter and ServeMux cannot express a parameter inside a
// segment ({Sid}.json); dynroute holds one as an httprouter parameter and
// checks the literal part after the match, chi matches it natively.
func twilioServers() []server {
	order := []string{"chi", "dynroute-fast", "dynroute-compat"}
	servers := slices.DeleteFunc(dispatchServers(), func(s server) bool { return !slices.Contains(order, s.name) })
	slices.SortFunc(servers, func(a, b server) int { return slices.Index(order, a.name) - slices.Index(order, b.name) })
	return servers
}

// BenchmarkDispatchTwilio serves the Twilio-style table: req=item is one
// item request (twilioItemRoute), req=all every route of the table in
// turn, one request per iteration. The handlers read every parameter.
func BenchmarkDispatchTwilio(b *testing.B) {
	i := routeIndex(b, TwilioAPI, twilioItemRoute)
	kinds := []struct {
		name   string
		routes []Route
	}{
		{"item", TwilioAPI[i : i+1]},
		{"all", TwilioAPI},
	}
	for _, k := range kinds {
		b.Run("req="+k.name, func(b *testing.B) {
			for _, s := range twilioServers() {
				b.Run("router="+s.name, func(b *testing.B) {
					serveLoop(b, build(b, s, twilioTable), newRequests(k.routes))
				})
			}
		})
	}
}

// TestTwilioAgree checks that BenchmarkDispatchTwilio compares equal work:
// every router serves every route of TwilioAPI with that route's handler,
// which reads the same values, and answers 404 when a path's ".json" is
// ".xml", so the literal after a parameter is matched, not read into it.
func TestTwilioAgree(t *testing.T) {
	for _, s := range twilioServers() {
		checkRoutes(t, s, twilioTable)

		h := build(t, s, twilioTable)
		w := newRecorder()
		for _, rt := range TwilioAPI {
			path := strings.TrimSuffix(SamplePath(rt.Path), ".json") + ".xml"
			w.reset()
			h.ServeHTTP(w, httptest.NewRequest(rt.Method, path, nil))
			if w.status != http.StatusNotFound {
				t.Errorf("%s: %s %s: status %d, route %d; want 404", s.name, rt.Method, path, w.status, w.route)
			}
		}
	}
}
