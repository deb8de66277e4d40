package dynroute_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/dynroute/dynroute"
)

// A handler that panics gets its request a 500 problem; the panic is logged
// once and the Router goes on serving.
func ExampleRecoverOptions() {
	rt := dynroute.New(&dynroute.Options{
		Recover: &dynroute.RecoverOptions{
			// Discard the log record here; by default it goes to slog.Default().
			Logger: slog.New(slog.DiscardHandler),
		},
	})
	rt.Get("/boom", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		var m map[string]int
		m["x"] = 1 // a bug: assignment to entry in nil map
	}))
	rt.Get("/ok", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "still serving")
	}))

	fmt.Println(get(rt, http.MethodGet, "/boom"))
	fmt.Println(get(rt, http.MethodGet, "/ok"))
	// Output:
	// 500 {"type":"about:blank","title":"Internal Server Error","status":500,"detail":"The server could not answer this request."}
	//
	// 200 still serving
}

// Request bodies are limited to 1 MiB unless the Router or the route says
// otherwise; a longer declared body gets 413 before the handler runs.
func ExampleOptions_maxBodyBytes() {
	rt := dynroute.New(&dynroute.Options{MaxBodyBytes: 16})
	upload := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		fmt.Fprintf(w, "got %d bytes", n)
	})
	rt.Post("/small", upload)
	rt.MustAddAPIRoute("/large", []string{http.MethodPost}, upload, &dynroute.RouteOptions{MaxBodyBytes: 1 << 30})

	post := func(path string, n int) {
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, httptest.NewRequest(http.MethodPost, path, strings.NewReader(strings.Repeat("x", n))))
		fmt.Println(w.Code, strings.TrimSpace(w.Body.String()))
	}
	post("/small", 10)
	post("/small", 100)
	post("/large", 100)
	// Output:
	// 200 got 10 bytes
	// 413 {"type":"about:blank","title":"Request Entity Too Large","status":413,"detail":"the request body is larger than 16 bytes"}
	// 200 got 100 bytes
}
