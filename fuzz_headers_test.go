package dynroute

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/dynroute/dynroute/internal/httpx"
	"github.com/stretchr/testify/require"
)

// FuzzHeaderMatch routes by arbitrary header matches (names, exact values
// and regular expressions) and requests with an arbitrary header. A match
// with a name that is no token or a bad expression is refused with
// ErrInvalidOptions, a second route with the same match as ErrDuplicateRoute
// or ErrConflict, and nothing else is refused; the order of a route's
// matches does not change its key; a request is served by the first route
// added whose match holds (as regexp and == say), else by the route without
// matches, else answered 404 problem+json; HEAD is answered as GET.
func FuzzHeaderMatch(f *testing.F) {
	f.Add("Accept-Version", "1", false, "accept-version", `^2\.`, true, true, "Accept-Version", "2.1")
	f.Add("Accept-Version", "1", false, "Accept-Version", "2", false, false, "accept-version", "3")
	f.Add("X-Tenant", "acme", false, "X-Tenant", "acme", false, true, "X-Tenant", "acme")
	f.Add("X-Tenant", "a.*", true, "x-tenant", "a.*", true, true, "X-TENANT", "abc")
	f.Add("X-A", "", false, "X-B", "", true, false, "X-B", "")
	f.Add("Bad Name", "x", false, "X-A", "(", true, true, "X-A", "(")
	f.Add("X-A", `\p{Greek}+`, true, "X-A", "ü", false, false, "x-a", "ü")
	f.Add("", "", false, "X-\x00", "\xff", true, true, "", "")
	f.Add("Content-Type", `^application/(.*\+)?json($|;)`, true, "Accept", "*/*", false, true, "content-type", "application/problem+json; charset=utf-8")
	f.Fuzz(func(t *testing.T, name1, value1 string, re1 bool, name2, value2 string, re2, fallback bool, reqName, reqValue string) {
		matches := []HeaderMatch{{Name: name1, Value: value1, Regexp: re1}, {Name: name2, Value: value2, Regexp: re2}}
		valid := func(m HeaderMatch) bool {
			if !httpx.IsToken(m.Name) {
				return false
			}
			_, err := regexp.Compile(m.Value)
			return !m.Regexp || err == nil
		}
		same := func(a, b HeaderMatch) bool {
			return http.CanonicalHeaderKey(a.Name) == http.CanonicalHeaderKey(b.Name) && a.Value == b.Value && a.Regexp == b.Regexp
		}
		_ = matches[0].String() // never panics

		// The key of a route's matches does not depend on their order.
		if valid(matches[0]) && valid(matches[1]) && http.CanonicalHeaderKey(name1) != http.CanonicalHeaderKey(name2) {
			_, k1, err1 := compileHeaders(matches)
			_, k2, err2 := compileHeaders([]HeaderMatch{matches[1], matches[0]})
			require.NoError(t, err1)
			require.NoError(t, err2)
			require.Equal(t, k1, k2)
		}

		rt := New(&Options{Docs: &DocsOptions{Disabled: true}})
		var added []int
		for i, m := range matches {
			err := rt.AddAPIRoute("/h/{x}", []string{"GET"}, fuzzAnswer(i), &RouteOptions{Headers: []HeaderMatch{m}})
			dup := false
			for _, j := range added {
				dup = dup || same(matches[j], m)
			}
			switch {
			case !valid(m):
				require.ErrorIs(t, err, ErrInvalidOptions, "%s", m)
			case dup:
				require.True(t, errors.Is(err, ErrDuplicateRoute) || errors.Is(err, ErrConflict), "%s twice: %v", m, err)
			default:
				require.NoError(t, err, "%s", m)
				added = append(added, i)
			}
		}
		if fallback {
			require.NoError(t, rt.AddAPIRoute("/h/{x}", []string{"GET"}, fuzzAnswer(len(matches)), nil))
		}

		r := httptest.NewRequest("GET", "/h/1", nil)
		r.Header.Add(reqName, reqValue)
		want := -1
		for _, i := range added {
			m := matches[i]
			for _, v := range r.Header[http.CanonicalHeaderKey(m.Name)] {
				if m.Regexp && regexp.MustCompile(m.Value).MatchString(v) || !m.Regexp && v == m.Value {
					want = i
				}
			}
			if want >= 0 {
				break
			}
		}
		if want < 0 && fallback {
			want = len(matches)
		}
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, r)
		if want < 0 {
			require.Equal(t, http.StatusNotFound, w.Code, w.Body.String())
			require.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
		} else {
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			require.Equal(t, fmt.Sprintf("route %d", want), w.Body.String())
		}
		r.Method = http.MethodHead
		h := httptest.NewRecorder()
		rt.ServeHTTP(h, r)
		require.Equal(t, w.Code, h.Code)
	})
}

// fuzzAnswer answers "route i".
func fuzzAnswer(i int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintf(w, "route %d", i) })
}
