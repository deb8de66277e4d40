package dynroute

import (
	"bytes"
	"fmt"
	"html"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// Swagger UI's OAuth2 redirect page: the page an authorization server sends
// the browser back to after Authorize of an implicit or authorizationCode
// flow (see DocsOptions.SwaggerUIConfig).

// oauth2RedirectFiles are Swagger UI's OAuth2 redirect page and its script,
// served from a set of assets that has them both.
var oauth2RedirectFiles = []string{"swagger-ui/oauth2-redirect.html", "swagger-ui/oauth2-redirect.js"}

// oauth2RedirectRoutes are the hidden routes of Swagger UI's OAuth2
// redirect page under the page at uiPath, the page's first: the files of
// assets if it has them both, else a page that loads the pinned script from
// the CDN. They answer 404 while the document declares no flow that
// redirects.
func oauth2RedirectRoutes(rt *Router, assets fs.FS, uiPath string) ([]*routeRec, error) {
	pagePath := uiPath + "/oauth2-redirect.html"
	if assets != nil && hasFiles(assets, oauth2RedirectFiles) {
		var recs []*routeRec
		for _, file := range oauth2RedirectFiles {
			name := "dynroute.swagger_ui_" + strings.ReplaceAll(strings.TrimSuffix(path.Base(file), ".html"), "-", "_")
			rec, err := assetRoute(rt, assets, file, uiPath+"/"+path.Base(file), name, (*Router).redirectsOAuth2)
			if err != nil {
				return nil, err
			}
			recs = append(recs, rec)
		}
		return recs, nil
	}
	// swagger-ui-dist's oauth2-redirect.html, its script from the CDN.
	page := []byte("<!doctype html>\n<html lang=\"en-US\">\n<body>\n<script src=\"" +
		html.EscapeString(DefaultSwaggerUIOAuth2RedirectJS) + "\"></script>\n</body>\n</html>\n")
	serve := func(rt *Router, w http.ResponseWriter, r *http.Request) {
		if !rt.redirectsOAuth2() {
			notFound(rt, w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(page))
	}
	rec, err := buildRec(new(routeRec), pagePath, []string{http.MethodGet}, docHandler{rt: rt, serve: serve}, "",
		&RouteOptions{Name: "dynroute.swagger_ui_oauth2_redirect", Hidden: true}, nil, false)
	if err != nil {
		return nil, fmt.Errorf("Options.Docs.SwaggerUIPath: %w", err)
	}
	return []*routeRec{rec}, nil
}

// hasFiles reports whether fsys has every one of files.
func hasFiles(fsys fs.FS, files []string) bool {
	for _, f := range files {
		if _, err := fs.Stat(fsys, f); err != nil {
			return false
		}
	}
	return true
}

// redirectsOAuth2 reports whether the document rt serves now declares an
// oauth2 scheme with a flow that sends the browser back to Swagger UI
// (implicit or authorizationCode).
func (rt *Router) redirectsOAuth2() bool {
	t := rt.current()
	return t.spec.redirects(rt, t)
}

// notFound answers r as the Router answers a path it has no route for.
func notFound(rt *Router, w http.ResponseWriter, r *http.Request) {
	writeError(w, rt.errStyle, http.StatusNotFound, "no route matches "+r.Method+" "+r.URL.Path)
}
