// Package docsui embeds the Swagger UI and ReDoc that a Router's /docs and
// /redoc pages load, so that the documentation works without a network.
// Import it for its effect:
//
//	import _ "github.com/dynroute/dynroute/docsui"
//
// Every Router made afterwards then serves the files under its pages' paths
// (/docs/swagger-ui-bundle.js, /docs/swagger-ui.css,
// /redoc/redoc.standalone.js) instead of loading them from a CDN, and
// Swagger UI's OAuth2 redirect page (/docs/oauth2-redirect.html and
// /docs/oauth2-redirect.js) when its document declares an oauth2 flow that
// redirects. Without the import, a program pays nothing for them: the pages
// load the same pinned versions from jsDelivr.
//
// The files are unmodified copies of swagger-ui-dist 5.35.0 (Apache
// License 2.0, swagger-ui/LICENSE and NOTICE) and redoc 2.5.4 (MIT License,
// redoc/LICENSE), the versions of dynroute.DefaultSwaggerUIJS and
// dynroute.DefaultRedocJS, with the notices of the code they bundle
// (*.LICENSE.txt). They add some 3 MB to a binary.
package docsui

import (
	"embed"

	"github.com/dynroute/dynroute"
)

// The pinned versions of the files.
const (
	SwaggerUIVersion = "5.35.0"
	RedocVersion     = "2.5.4"
)

// FS holds swagger-ui/swagger-ui-bundle.js, swagger-ui/swagger-ui.css,
// swagger-ui/oauth2-redirect.html, swagger-ui/oauth2-redirect.js and
// redoc/redoc.standalone.js, with their licenses (swagger-ui/LICENSE,
// swagger-ui/NOTICE, swagger-ui/swagger-ui-bundle.js.LICENSE.txt,
// redoc/LICENSE, redoc/redoc.standalone.js.LICENSE.txt): what
// dynroute.DocsOptions.Assets takes.
//
//go:embed swagger-ui redoc
var FS embed.FS

func init() { dynroute.RegisterDocsAssets(FS) }
