// Package auth holds ready-made verifiers for dynroute's security schemes:
// API keys (APIKeys), HTTP basic auth against stored password hashes
// (Basic) and bearer JSON Web Tokens (JWT). Register one under a scheme's
// name and the Router hands it the credentials of the routes that require
// the scheme:
//
//	keys, err := auth.APIKeysFromEnv("ADMIN_API_KEY")
//	rt := dynroute.New(&dynroute.Options{Security: &dynroute.SecurityOptions{
//		Schemes: map[string]dynroute.SecurityScheme{"admin_key": {Type: "apiKey", In: "header", Name: "X-API-Key"}},
//	}})
//	rt.Registry().RegisterVerifier("admin_key", keys)
//	rt.AddAPIRoute("/admin", []string{"GET"}, admin, &dynroute.RouteOptions{
//		Security: []dynroute.SecurityRequirement{{"admin_key": {}}},
//	})
//
// The verifiers never log or return a credential, and compare secrets in
// constant time. Their errors wrap dynroute.ErrCredentials; the Router
// answers 401 without saying which part of a credential was wrong.
package auth
