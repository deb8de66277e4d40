package auth_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/auth"
)

// An admin route behind an API key from the environment, sent in the
// X-API-Key header.
func ExampleAPIKeysFromEnv() {
	keys, err := auth.APIKeysFromEnv("EXAMPLE_ADMIN_API_KEY")
	if err != nil {
		fmt.Println(err) // unset: every request is refused, never let in
	}
	rt := dynroute.New(&dynroute.Options{Title: "Shop", Security: &dynroute.SecurityOptions{
		Schemes: map[string]dynroute.SecurityScheme{"admin_key": {Type: "apiKey", In: "header", Name: "X-API-Key"}},
	}})
	if err := rt.Registry().RegisterVerifier("admin_key", keys); err != nil {
		fmt.Println(err)
		return
	}
	rt.MustAddAPIRoute("/admin", []string{"GET"}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := dynroute.PrincipalFrom(r.Context())
		fmt.Fprintf(w, "hello %s", p.Subject)
	}), &dynroute.RouteOptions{Security: []dynroute.SecurityRequirement{{"admin_key": {}}}})

	r := httptest.NewRequest("GET", "/admin", nil)
	r.Header.Set("X-API-Key", "anything")
	w := httptest.NewRecorder()
	rt.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Header().Get("WWW-Authenticate"))
	// Output:
	// auth: no API keys in the environment variable EXAMPLE_ADMIN_API_KEY
	// 401 APIKey realm="Shop", in="header", name="X-API-Key"
}

func ExampleNewAPIKeys() {
	keys, _ := auth.NewAPIKeys(auth.APIKey{Key: "s3cret", Subject: "ci", Scopes: []string{"deploy"}})
	rt := dynroute.New(&dynroute.Options{Security: &dynroute.SecurityOptions{
		Schemes: map[string]dynroute.SecurityScheme{"key": {Type: "apiKey", In: "header", Name: "X-API-Key"}},
		Default: []dynroute.SecurityRequirement{{"key": {"deploy"}}}, // deny by default
	}})
	rt.Registry().RegisterVerifier("key", keys)
	rt.Post("/deploy", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := dynroute.PrincipalFrom(r.Context())
		fmt.Fprintf(w, "deployed by %s", p.Subject)
	}))
	for _, key := range []string{"", "wrong", "s3cret"} {
		r := httptest.NewRequest("POST", "/deploy", nil)
		if key != "" {
			r.Header.Set("X-API-Key", key)
		}
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			var problem struct{ Detail string }
			json.Unmarshal(w.Body.Bytes(), &problem)
			fmt.Println(w.Code, problem.Detail)
			continue
		}
		fmt.Println(w.Code, w.Body.String())
	}
	// Output:
	// 401 Not authenticated.
	// 401 The credentials were not accepted.
	// 200 deployed by ci
}

// A route behind HTTP basic auth, for users whose bcrypt hashes the
// program has (from BasicFromFile, an htpasswd -B file, in production).
func ExampleNewBasic() {
	hash, _ := bcrypt.GenerateFromPassword([]byte("lovelace"), bcrypt.DefaultCost)
	users, err := auth.NewBasic(auth.BasicUser{Name: "ada", Hash: string(hash), Scopes: []string{"reports"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	rt := dynroute.New(&dynroute.Options{Title: "Shop", Security: &dynroute.SecurityOptions{
		Schemes: map[string]dynroute.SecurityScheme{"basic": {Type: "http", Scheme: "basic"}},
	}})
	rt.Registry().RegisterVerifier("basic", users)
	rt.MustAddAPIRoute("/reports", []string{"GET"}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := dynroute.PrincipalFrom(r.Context())
		fmt.Fprintf(w, "reports for %s", p.Subject)
	}), &dynroute.RouteOptions{Security: []dynroute.SecurityRequirement{{"basic": {"reports"}}}})

	for _, pw := range []string{"wrong", "lovelace"} {
		r := httptest.NewRequest("GET", "/reports", nil)
		r.SetBasicAuth("ada", pw)
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			fmt.Println(w.Code, w.Header().Get("WWW-Authenticate"))
			continue
		}
		fmt.Println(w.Code, w.Body.String())
	}
	// Output:
	// 401 Basic realm="Shop", charset="UTF-8"
	// 200 reports for ada
}

// Writes behind bearer JWTs with the scope items:write, HS256 with a
// shared secret (a JWKSURL for an identity provider's keys works the
// same). The token here is signed as the provider would.
func ExampleNewJWT() {
	secret := []byte("an example secret of 32 bytes or more")
	tokens, err := auth.NewJWT(&auth.JWTOptions{Key: secret, Issuer: "https://login.example", Audience: "shop"})
	if err != nil {
		fmt.Println(err)
		return
	}
	rt := dynroute.New(&dynroute.Options{Title: "Shop", Security: &dynroute.SecurityOptions{
		Schemes: map[string]dynroute.SecurityScheme{"bearer": {Type: "http", Scheme: "bearer", BearerFormat: "JWT"}},
	}})
	rt.Registry().RegisterVerifier("bearer", tokens)
	rt.MustAddAPIRoute("/items", []string{"POST"}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := dynroute.PrincipalFrom(r.Context())
		fmt.Fprintf(w, "created by %s", p.Subject)
	}), &dynroute.RouteOptions{Security: []dynroute.SecurityRequirement{{"bearer": {"items:write"}}}})

	sign := func(scope string) string {
		tok, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"sub": "ada", "scope": scope, "iss": "https://login.example", "aud": "shop",
			"exp": time.Now().Add(time.Hour).Unix(),
		}).SignedString(secret)
		return tok
	}
	for _, tok := range []string{"", "not-a-token", sign("items:read"), sign("items:read items:write")} {
		r := httptest.NewRequest("POST", "/items", nil)
		if tok != "" {
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			fmt.Println(w.Code, w.Header().Get("WWW-Authenticate"))
			continue
		}
		fmt.Println(w.Code, w.Body.String())
	}
	// Output:
	// 401 Bearer realm="Shop"
	// 401 Bearer realm="Shop", error="invalid_token"
	// 403 Bearer realm="Shop", error="insufficient_scope", scope="items:write"
	// 200 created by ada
}
