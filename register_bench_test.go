package dynroute

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/julienschmidt/httprouter"
)

// genPaths returns n route paths in the mix of bench/routes.go: 60% static,
// 40% with one or two parameters, each under its own first segment.
func genPaths(n int) []string {
	paths := make([]string, n)
	for i := range paths {
		switch i % 5 {
		case 0:
			paths[i] = fmt.Sprintf("/svc%d/items", i)
		case 1:
			paths[i] = fmt.Sprintf("/svc%d/items/archived", i)
		case 2:
			paths[i] = fmt.Sprintf("/svc%d/status", i)
		case 3:
			paths[i] = fmt.Sprintf("/svc%d/items/{id}", i)
		case 4:
			paths[i] = fmt.Sprintf("/svc%d/items/{id}/parts/{part}", i)
		}
	}
	return paths
}

// BenchmarkRegister measures adding routes and serving the first request,
// which compiles the table. bench/ compares the same with other routers.
func BenchmarkRegister(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		paths := genPaths(n)
		h := http.NotFoundHandler()
		methods := []string{"GET"}
		req := httptest.NewRequest("GET", "/svc0/items", nil)
		w := httptest.NewRecorder()
		b.Run(fmt.Sprint("routes=", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rt := New(nil)
				for _, p := range paths {
					if err := rt.AddAPIRoute(p, methods, h, nil); err != nil {
						b.Fatal(err)
					}
				}
				rt.ServeHTTP(w, req)
			}
		})
	}
}

// BenchmarkRegisterHTTPRouter is the floor for BenchmarkRegister: the same
// routes on a bare httprouter tree, which dynroute builds too.
func BenchmarkRegisterHTTPRouter(b *testing.B) {
	paths := genPaths(10000)
	hr := make([]string, len(paths))
	for i, p := range paths {
		pat, err := parsePattern(p)
		if err != nil {
			b.Fatal(err)
		}
		hr[i] = pat.routerPath()
	}
	handle := func(http.ResponseWriter, *http.Request, httprouter.Params) {}
	b.ReportAllocs()
	for b.Loop() {
		r := httprouter.New()
		for _, p := range hr {
			r.Handle("GET", p, handle)
		}
	}
}
