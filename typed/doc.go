// Package typed adapts functions of a typed request to a typed answer into
// HTTP handlers, FastAPI's path operations done the Go way:
//
//	type GetProduct struct {
//		ProductID int64 `path:"product_id" minimum:"1"`
//		Fields    []string `query:"fields" enum:"name,price"`
//	}
//	getProduct := func(ctx context.Context, in *GetProduct) (*Product, error) {
//		if in.ProductID == 404 {
//			return nil, typed.NewError(http.StatusNotFound, "no such product")
//		}
//		return &Product{ProductID: in.ProductID}, nil
//	}
//	rt.Get("/dynamic/products/{product_id}", typed.Must(getProduct, nil))
//	// GET /dynamic/products/abc → 422 application/problem+json, every problem listed
//
// New binds path, query, header and cookie values and a JSON body into *In
// by struct tags, validates them with package jsonschema's tags, calls the
// function and answers *Out as JSON; the Handler documentation has the
// binding table and the rules. Reflection, schemas and the validator are
// made once, by New: a request costs parsing, checks, a reflect store per
// parameter and the JSON codec.
//
// A Handler describes itself to the Router's OpenAPI document
// (DescribeOperation: parameters, request body, answers, 422 and problem
// answers, schemas as components), checks when it is added that its route
// has the path parameters it binds (CheckRoute; a prefix tag binds one that
// the prefix of an Include or Mount supplies, as {tenant} of
// /tenants/{tenant}), and limits request bodies
// itself (MaxBodyBytes). Outside a Router it reads path values with
// r.PathValue, so it serves on a net/http.ServeMux too (whose parameter
// names are Go identifiers only: {role_name}, not {role-name}).
//
// Errors are answered as RFC 9457 problem documents: a *ValidationError
// (422, every problem in FastAPI's shape), a *StatusError (NewError and
// Errorf, the status and a detail shown to the client) or any error with a
// StatusCode method; other errors are a 500 whose text the client never
// sees. Options.ErrorHandler replaces WriteProblem, which writes them.
//
// A BodyDecoder reads JSON bodies as typed handlers do, for handlers of
// your own; package crud reads its items with one.
package typed
