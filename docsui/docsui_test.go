package docsui_test

import (
	"bytes"
	"context"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/docsui"
)

// TestImportServesTheAssets: with the package imported, a Router serves
// the pages' files itself and the pages load them from there.
func TestImportServesTheAssets(t *testing.T) {
	rt := dynroute.New(nil)
	get := func(target string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
		return w
	}
	docs := get("/docs").Body.String()
	assert.Contains(t, docs, `src="docs/swagger-ui-bundle.js"`)
	assert.Contains(t, docs, `href="docs/swagger-ui.css"`)
	assert.Contains(t, get("/redoc").Body.String(), `src="redoc/redoc.standalone.js"`)
	for target, file := range map[string]string{
		"/docs/swagger-ui-bundle.js": "swagger-ui/swagger-ui-bundle.js",
		"/docs/swagger-ui.css":       "swagger-ui/swagger-ui.css",
		"/redoc/redoc.standalone.js": "redoc/redoc.standalone.js",
	} {
		w := get(target)
		require.Equal(t, http.StatusOK, w.Code, target)
		want, err := fs.ReadFile(docsui.FS, file)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(want, w.Body.Bytes()), "%s serves %s", target, file)
	}
	// Swagger UI's OAuth2 redirect page, while the document declares a flow
	// that redirects.
	redirect := map[string]string{
		"/docs/oauth2-redirect.html": "swagger-ui/oauth2-redirect.html",
		"/docs/oauth2-redirect.js":   "swagger-ui/oauth2-redirect.js",
	}
	for target := range redirect {
		assert.Equal(t, http.StatusNotFound, get(target).Code, "%s without an oauth2 scheme", target)
	}
	require.NoError(t, rt.AddSecurityScheme("oauth", dynroute.SecurityScheme{Type: "oauth2", Flows: &dynroute.OAuthFlows{
		AuthorizationCode: &dynroute.OAuthFlow{AuthorizationURL: "https://auth.example.com/authorize", TokenURL: "https://auth.example.com/token"}}}))
	require.NoError(t, rt.Registry().RegisterVerifier("oauth", dynroute.VerifierFunc(func(context.Context, dynroute.Credential) (*dynroute.Principal, error) {
		return nil, dynroute.ErrCredentials
	})))
	rt.MustAddAPIRoute("/items", []string{"GET"}, http.NotFoundHandler(), &dynroute.RouteOptions{Security: []dynroute.SecurityRequirement{{"oauth": {}}}})
	assert.Contains(t, docs, `config.oauth2RedirectUrl = new URL("docs/oauth2-redirect.html", window.location.href).href;`)
	for target, file := range redirect {
		w := get(target)
		require.Equal(t, http.StatusOK, w.Code, target)
		want, err := fs.ReadFile(docsui.FS, file)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(want, w.Body.Bytes()), "%s serves %s", target, file)
	}
}

// TestPinnedVersions: the embedded files are the versions the CDN defaults
// name, with their licenses.
func TestPinnedVersions(t *testing.T) {
	assert.Contains(t, dynroute.DefaultSwaggerUIJS, "swagger-ui-dist@"+docsui.SwaggerUIVersion+"/")
	assert.Contains(t, dynroute.DefaultSwaggerUICSS, "swagger-ui-dist@"+docsui.SwaggerUIVersion+"/")
	assert.Contains(t, dynroute.DefaultRedocJS, "redoc@"+docsui.RedocVersion+"/")
	for _, file := range []string{"swagger-ui/LICENSE", "swagger-ui/NOTICE", "swagger-ui/swagger-ui-bundle.js.LICENSE.txt",
		"redoc/LICENSE", "redoc/redoc.standalone.js.LICENSE.txt"} {
		b, err := fs.ReadFile(docsui.FS, file)
		require.NoError(t, err, file)
		assert.NotEmpty(t, b, file)
	}
}

// nodeModules holds the pinned npm packages (npm ci --prefix testdata/npm).
const nodeModules = "../testdata/npm/node_modules"

// TestCopiesOfTheNPMPackages: every embedded file is byte for byte the file
// of the npm package testdata/npm pins, at the version this package names.
// Without node_modules the test is skipped, or fails if CI is set.
func TestCopiesOfTheNPMPackages(t *testing.T) {
	if _, err := os.Stat(nodeModules); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the pinned npm packages are not installed (%v); install them with: npm ci --prefix testdata/npm", err)
		}
		t.Skipf("skipped: the pinned npm packages are not installed (%v); install them with: npm ci --prefix testdata/npm (with CI set this fails)", err)
	}
	packages := map[string]struct{ dir, version string }{
		"swagger-ui": {"swagger-ui-dist", docsui.SwaggerUIVersion},
		"redoc":      {"redoc", docsui.RedocVersion},
	}
	for _, p := range packages {
		manifest, err := os.ReadFile(filepath.Join(nodeModules, p.dir, "package.json"))
		require.NoError(t, err)
		assert.Contains(t, string(manifest), `"version": "`+p.version+`"`, p.dir)
	}
	n := 0
	require.NoError(t, fs.WalkDir(docsui.FS, ".", func(file string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		prefix, name, _ := strings.Cut(file, "/")
		p := packages[prefix]
		from := filepath.Join(nodeModules, p.dir, name)
		if _, err := os.Stat(from); err != nil {
			from = filepath.Join(nodeModules, p.dir, "bundles", name) // redoc's bundles
		}
		want, err := os.ReadFile(from)
		require.NoError(t, err, "%s has no original in %s", file, p.dir)
		got, err := fs.ReadFile(docsui.FS, file)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(want, got), "%s differs from %s", file, from)
		n++
		return nil
	}))
	assert.Equal(t, 10, n, "every embedded file was compared")
}
