module github.com/dynroute/dynroute/bench

go 1.26.0

replace github.com/dynroute/dynroute => ../

require (
	github.com/danielgtaylor/huma/v2 v2.37.2
	github.com/dynroute/dynroute v0.0.0-00010101000000-000000000000
	github.com/go-chi/chi/v5 v5.5.0
	github.com/julienschmidt/httprouter v1.3.0
)

require (
	github.com/fsnotify/fsnotify v1.10.1 // indirect
	go.yaml.in/yaml/v3 v3.0.6 // indirect
	golang.org/x/sys v0.49.0 // indirect
)
