module github.com/dynroute/dynroute

go 1.26

require github.com/julienschmidt/httprouter v1.3.0
