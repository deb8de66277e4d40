module github.com/dynroute/dynroute/bench

go 1.26.0

replace github.com/dynroute/dynroute => ../

require (
	github.com/dynroute/dynroute v0.0.0-00010101000000-000000000000
	github.com/go-chi/chi/v5 v5.5.0
	github.com/julienschmidt/httprouter v1.3.0
)

require go.yaml.in/yaml/v3 v3.0.6 // indirect
