package docsui_test

import (
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/dynroute/dynroute"
	_ "github.com/dynroute/dynroute/docsui" // /docs and /redoc work offline
)

// With the package imported, /docs loads Swagger UI from the Router itself.
func Example() {
	rt := dynroute.New(nil)
	for _, target := range []string{"/docs", "/docs/swagger-ui-bundle.js", "/redoc/redoc.standalone.js"} {
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
		fmt.Println(target, w.Code, w.Header().Get("Content-Type"), strings.Contains(w.Body.String(), "cdn.jsdelivr.net"))
	}
	// Output:
	// /docs 200 text/html; charset=utf-8 false
	// /docs/swagger-ui-bundle.js 200 text/javascript; charset=utf-8 false
	// /redoc/redoc.standalone.js 200 text/javascript; charset=utf-8 false
}
