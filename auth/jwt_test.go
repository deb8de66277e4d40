package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynroute/dynroute"
)

// testKeys are signing keys of every kind, two of each, made once.
type testKeys struct {
	hmac      [2][]byte
	rsa       [2]*rsa.PrivateKey
	ec        [2]*ecdsa.PrivateKey
	rsaPubPEM []byte // the first RSA public key, as PEM
	rsaPubDER []byte
	ecP384    *ecdsa.PrivateKey
	smallRSA  *rsa.PrivateKey
}

var keys = sync.OnceValue(func() *testKeys {
	k := &testKeys{}
	for i := range 2 {
		k.hmac[i] = []byte(strings.Repeat(string(rune('a'+i)), minHMACSecret))
		var err error
		if k.rsa[i], err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if k.ec[i], err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
	}
	der, err := x509.MarshalPKIXPublicKey(&k.rsa[0].PublicKey)
	if err != nil {
		panic(err)
	}
	k.rsaPubDER = der
	k.rsaPubPEM = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	if k.ecP384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader); err != nil {
		panic(err)
	}
	if k.smallRSA, err = rsa.GenerateKey(rand.Reader, 1024); err != nil {
		panic(err)
	}
	return k
})

// t0 is the tests' fixed now.
var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// claims are a token's claims, relative to t0: exp in an hour, iss and
// aud those verifiers of the tests want.
func claims(change func(jwt.MapClaims)) jwt.MapClaims {
	c := jwt.MapClaims{"sub": "ada", "iss": "https://issuer.example", "aud": "shop", "exp": t0.Add(time.Hour).Unix(), "scope": "items:read items:write"}
	if change != nil {
		change(c)
	}
	return c
}

// sign makes a token of c with method and key, with kid in the header
// unless it is "".
func sign(t testing.TB, method jwt.SigningMethod, key any, kid string, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

// unsigned makes a token with alg "none".
func unsigned(t testing.TB, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodNone, c).SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)
	return s
}

func newTestJWT(t testing.TB, key any, change func(*JWTOptions)) *JWT {
	t.Helper()
	o := &JWTOptions{Key: key, Issuer: "https://issuer.example", Audience: "shop", Now: func() time.Time { return t0 }}
	if change != nil {
		change(o)
	}
	v, err := NewJWT(o)
	require.NoError(t, err)
	return v
}

// checkRefusal checks that err refuses the token, wraps want (when not
// nil) and never shows the token or its signature.
func checkRefusal(t *testing.T, err error, want error, token string) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, dynroute.ErrCredentials)
	if want != nil {
		assert.ErrorIs(t, err, want)
	}
	if token != "" {
		assert.NotContains(t, err.Error(), token)
	}
	if parts := strings.Split(token, "."); len(parts) == 3 && len(parts[2]) > 8 {
		assert.NotContains(t, err.Error(), parts[2])
		assert.NotContains(t, err.Error(), parts[1])
	}
}

func TestJWTAlgorithms(t *testing.T) {
	k := keys()
	type alg struct {
		name            string
		method          jwt.SigningMethod
		sign, other     any // the signing key and another of the same kind
		verify          any
		otherKindSigner jwt.SigningMethod
		otherKindKey    any
	}
	algs := []alg{
		{"HS256", jwt.SigningMethodHS256, k.hmac[0], k.hmac[1], k.hmac[0], jwt.SigningMethodRS256, k.rsa[0]},
		{"RS256", jwt.SigningMethodRS256, k.rsa[0], k.rsa[1], &k.rsa[0].PublicKey, jwt.SigningMethodES256, k.ec[0]},
		{"ES256", jwt.SigningMethodES256, k.ec[0], k.ec[1], &k.ec[0].PublicKey, jwt.SigningMethodHS256, k.hmac[0]},
	}
	for _, a := range algs {
		t.Run(a.name, func(t *testing.T) {
			v := newTestJWT(t, a.verify, nil)
			tests := []struct {
				name  string
				token string
				want  error // nil: accepted
			}{
				{"good", sign(t, a.method, a.sign, "", claims(nil)), nil},
				{"expired within the leeway", sign(t, a.method, a.sign, "", claims(func(c jwt.MapClaims) { c["exp"] = t0.Add(-20 * time.Second).Unix() })), nil},
				{"nbf within the leeway", sign(t, a.method, a.sign, "", claims(func(c jwt.MapClaims) { c["nbf"] = t0.Add(20 * time.Second).Unix() })), nil},
				{"aud a list", sign(t, a.method, a.sign, "", claims(func(c jwt.MapClaims) { c["aud"] = []string{"other", "shop"} })), nil},
				{"bad signature", sign(t, a.method, a.other, "", claims(nil)), jwt.ErrTokenSignatureInvalid},
				{"another algorithm", sign(t, a.otherKindSigner, a.otherKindKey, "", claims(nil)), jwt.ErrTokenSignatureInvalid},
				{"expired", sign(t, a.method, a.sign, "", claims(func(c jwt.MapClaims) { c["exp"] = t0.Add(-time.Minute).Unix() })), jwt.ErrTokenExpired},
				{"not valid yet", sign(t, a.method, a.sign, "", claims(func(c jwt.MapClaims) { c["nbf"] = t0.Add(time.Minute).Unix() })), jwt.ErrTokenNotValidYet},
				{"no exp", sign(t, a.method, a.sign, "", claims(func(c jwt.MapClaims) { delete(c, "exp") })), jwt.ErrTokenRequiredClaimMissing},
				{"exp a string", sign(t, a.method, a.sign, "", claims(func(c jwt.MapClaims) { c["exp"] = "tomorrow" })), jwt.ErrInvalidType},
				{"wrong iss", sign(t, a.method, a.sign, "", claims(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" })), jwt.ErrTokenInvalidIssuer},
				{"no iss", sign(t, a.method, a.sign, "", claims(func(c jwt.MapClaims) { delete(c, "iss") })), jwt.ErrTokenRequiredClaimMissing},
				{"wrong aud", sign(t, a.method, a.sign, "", claims(func(c jwt.MapClaims) { c["aud"] = "billing" })), jwt.ErrTokenInvalidAudience},
				{"alg none", unsigned(t, claims(nil)), jwt.ErrTokenSignatureInvalid},
				{"signature cut", strings.TrimRight(sign(t, a.method, a.sign, "", claims(nil)), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"), nil},
				{"not a token", "not.a.token", jwt.ErrTokenMalformed},
				{"empty", "", jwt.ErrTokenMalformed},
			}
			for _, tt := range tests {
				p, err := v.Verify(t.Context(), dynroute.Credential{Value: tt.token})
				if tt.name == "signature cut" {
					checkRefusal(t, err, nil, tt.token)
					continue
				}
				if tt.want != nil {
					checkRefusal(t, err, tt.want, tt.token)
					assert.Nil(t, p, tt.name)
					continue
				}
				require.NoError(t, err, tt.name)
				assert.Equal(t, "ada", p.Subject, tt.name)
				assert.Equal(t, []string{"items:read", "items:write"}, p.Scopes, tt.name)
				assert.Equal(t, "https://issuer.example", p.Claims["iss"], tt.name)
			}
		})
	}
}

// A token that names HS256 and is signed with the bytes of the RSA public
// key, which anyone has, against a verifier of RS256 tokens: the classic
// algorithm confusion. Refused, as is a verifier that would allow it.
func TestJWTAlgorithmConfusion(t *testing.T) {
	k := keys()
	v := newTestJWT(t, &k.rsa[0].PublicKey, nil)
	for _, secret := range [][]byte{k.rsaPubPEM, k.rsaPubDER} {
		tok := sign(t, jwt.SigningMethodHS256, secret, "", claims(nil))
		_, err := v.Verify(t.Context(), dynroute.Credential{Value: tok})
		checkRefusal(t, err, jwt.ErrTokenSignatureInvalid, tok)
	}
	_, err := NewJWT(&JWTOptions{Key: &k.rsa[0].PublicKey, Algorithms: []string{"RS256", "HS256"}})
	assert.ErrorContains(t, err, "HS256 takes an HMAC secret")
	// Even if the options were bypassed, the key function refuses an
	// algorithm the key does not fit.
	v = newTestJWT(t, &k.rsa[0].PublicKey, nil)
	_, err = v.key(t.Context(), &jwt.Token{Method: jwt.SigningMethodHS256, Header: map[string]any{}})
	assert.ErrorContains(t, err, "does not fit the key")
}

func TestNewJWTOptions(t *testing.T) {
	k := keys()
	tests := []struct {
		name string
		o    *JWTOptions
		want string // "": accepted
	}{
		{"nil", nil, "options are required"},
		{"no key", &JWTOptions{}, "need a Key or a JWKSURL"},
		{"both", &JWTOptions{Key: k.hmac[0], JWKSURL: "https://idp.example/jwks"}, "give one"},
		{"short secret", &JWTOptions{Key: []byte("short")}, "at least 32 bytes, not 5"},
		{"string secret", &JWTOptions{Key: "s3cret"}, "as []byte"},
		{"private RSA key", &JWTOptions{Key: k.rsa[0]}, "give its public key"},
		{"private EC key", &JWTOptions{Key: k.ec[0]}, "give its public key"},
		{"small RSA key", &JWTOptions{Key: &k.smallRSA.PublicKey}, "at least 2048 bits"},
		{"P-384 key", &JWTOptions{Key: &k.ecP384.PublicKey}, "P-256"},
		{"nil RSA key", &JWTOptions{Key: (*rsa.PublicKey)(nil)}, "at least 2048 bits"},
		{"another type", &JWTOptions{Key: 42}, "of type int"},
		{"alg none", &JWTOptions{Key: k.hmac[0], Algorithms: []string{"none"}}, `"none" is none of`},
		{"alg RS512", &JWTOptions{Key: &k.rsa[0].PublicKey, Algorithms: []string{"RS512"}}, `"RS512" is none of`},
		{"no algorithm", &JWTOptions{Key: k.hmac[0], Algorithms: []string{}}, "allow no algorithm"},
		{"ES256 with an RSA key", &JWTOptions{Key: &k.rsa[0].PublicKey, Algorithms: []string{"ES256"}}, "ES256 takes an P-256 public key"},
		{"HS256 with a JWKS", &JWTOptions{JWKSURL: "https://idp.example/jwks", Algorithms: []string{"HS256"}}, "HS256 takes an HMAC secret"},
		{"a JWKS URL without scheme", &JWTOptions{JWKSURL: "idp.example/jwks"}, "not an http or https URL"},
		{"a file URL", &JWTOptions{JWKSURL: "file:///etc/jwks.json"}, "not an http or https URL"},
		{"secret", &JWTOptions{Key: k.hmac[0]}, ""},
		{"RSA", &JWTOptions{Key: &k.rsa[0].PublicKey}, ""},
		{"EC", &JWTOptions{Key: &k.ec[0].PublicKey}, ""},
		{"JWKS", &JWTOptions{JWKSURL: "https://idp.example/.well-known/jwks.json", Algorithms: []string{"ES256"}}, ""},
	}
	for _, tt := range tests {
		v, err := NewJWT(tt.o)
		if tt.want != "" {
			assert.ErrorContains(t, err, tt.want, tt.name)
			assert.Nil(t, v, tt.name)
			continue
		}
		assert.NoError(t, err, tt.name)
		assert.NotNil(t, v, tt.name)
	}
}

func TestJWTDefaultAlgorithms(t *testing.T) {
	k := keys()
	// A verifier of an HS256 secret refuses an RS256 token and the other
	// way round, without Algorithms set.
	hs := newTestJWT(t, k.hmac[0], nil)
	rs := newTestJWT(t, &k.rsa[0].PublicKey, nil)
	es := newTestJWT(t, &k.ec[0].PublicKey, nil)
	tokens := map[string]string{
		"HS256": sign(t, jwt.SigningMethodHS256, k.hmac[0], "", claims(nil)),
		"RS256": sign(t, jwt.SigningMethodRS256, k.rsa[0], "", claims(nil)),
		"ES256": sign(t, jwt.SigningMethodES256, k.ec[0], "", claims(nil)),
		"RS384": sign(t, jwt.SigningMethodRS384, k.rsa[0], "", claims(nil)),
		"PS256": sign(t, jwt.SigningMethodPS256, k.rsa[0], "", claims(nil)),
	}
	for name, v := range map[string]*JWT{"HS256": hs, "RS256": rs, "ES256": es} {
		for alg, tok := range tokens {
			_, err := v.Verify(t.Context(), dynroute.Credential{Value: tok})
			if alg == name {
				assert.NoError(t, err, "%s verifier, %s token", name, alg)
				continue
			}
			checkRefusal(t, err, jwt.ErrTokenSignatureInvalid, tok)
		}
	}
}

func TestJWTClaimOptions(t *testing.T) {
	k := keys()
	noExp := sign(t, jwt.SigningMethodHS256, k.hmac[0], "", claims(func(c jwt.MapClaims) { delete(c, "exp") }))
	expired10s := sign(t, jwt.SigningMethodHS256, k.hmac[0], "", claims(func(c jwt.MapClaims) { c["exp"] = t0.Add(-10 * time.Second).Unix() }))
	noIssAud := sign(t, jwt.SigningMethodHS256, k.hmac[0], "", claims(func(c jwt.MapClaims) { delete(c, "iss"); delete(c, "aud") }))
	tests := []struct {
		name   string
		change func(*JWTOptions)
		token  string
		ok     bool
	}{
		{"exp required", nil, noExp, false},
		{"exp optional", func(o *JWTOptions) { o.ExpirationOptional = true }, noExp, true},
		{"default leeway", nil, expired10s, true},
		{"no leeway", func(o *JWTOptions) { o.Leeway = -1 }, expired10s, false},
		{"a leeway of 5s", func(o *JWTOptions) { o.Leeway = 5 * time.Second }, expired10s, false},
		{"iss and aud required when set", nil, noIssAud, false},
		{"iss and aud unchecked when unset", func(o *JWTOptions) { o.Issuer, o.Audience = "", "" }, noIssAud, true},
	}
	for _, tt := range tests {
		v := newTestJWT(t, k.hmac[0], tt.change)
		_, err := v.Verify(t.Context(), dynroute.Credential{Value: tt.token})
		if tt.ok {
			assert.NoError(t, err, tt.name)
		} else {
			checkRefusal(t, err, nil, tt.token)
		}
	}
	// crit: header parameters this verifier does not know are refused.
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims(nil))
	tok.Header["crit"] = []string{"exp"}
	s, err := tok.SignedString(k.hmac[0])
	require.NoError(t, err)
	_, err = newTestJWT(t, k.hmac[0], nil).Verify(t.Context(), dynroute.Credential{Value: s})
	checkRefusal(t, err, nil, s)
	assert.ErrorContains(t, err, "critical header")
}

func TestJWTPrincipal(t *testing.T) {
	k := keys()
	v := newTestJWT(t, k.hmac[0], nil)
	tests := []struct {
		name    string
		change  func(jwt.MapClaims)
		subject string
		scopes  []string
		wantErr string
	}{
		{"scope", nil, "ada", []string{"items:read", "items:write"}, ""},
		{"scp list", func(c jwt.MapClaims) { delete(c, "scope"); c["scp"] = []string{"a", "b"} }, "ada", []string{"a", "b"}, ""},
		{"scp string", func(c jwt.MapClaims) { delete(c, "scope"); c["scp"] = "a  b" }, "ada", []string{"a", "b"}, ""},
		{"both, each once", func(c jwt.MapClaims) { c["scope"] = "a b"; c["scp"] = []string{"b", "c"} }, "ada", []string{"a", "b", "c"}, ""},
		{"none", func(c jwt.MapClaims) { delete(c, "scope") }, "ada", nil, ""},
		{"no sub", func(c jwt.MapClaims) { delete(c, "sub") }, "", []string{"items:read", "items:write"}, ""},
		{"sub a number", func(c jwt.MapClaims) { c["sub"] = 7 }, "", nil, "sub claim is not a string"},
		{"scope a list", func(c jwt.MapClaims) { c["scope"] = []string{"a"} }, "", nil, "scope claim is not a string"},
		{"scp of numbers", func(c jwt.MapClaims) { c["scp"] = []int{1} }, "", nil, "scp claim is not a list of strings"},
		{"scp an object", func(c jwt.MapClaims) { c["scp"] = map[string]int{} }, "", nil, "scp claim is neither"},
	}
	for _, tt := range tests {
		tok := sign(t, jwt.SigningMethodHS256, k.hmac[0], "", claims(tt.change))
		p, err := v.Verify(t.Context(), dynroute.Credential{Value: tok})
		if tt.wantErr != "" {
			checkRefusal(t, err, nil, tok)
			assert.ErrorContains(t, err, tt.wantErr, tt.name)
			continue
		}
		require.NoError(t, err, tt.name)
		assert.Equal(t, tt.subject, p.Subject, tt.name)
		assert.Equal(t, tt.scopes, p.Scopes, tt.name)
		assert.Equal(t, "shop", p.Claims["aud"], tt.name)
		assert.InDelta(t, float64(t0.Add(time.Hour).Unix()), p.Claims["exp"], 0, tt.name)
	}
}

// The verifier behind a Router: 401 for a bad token, 403 for a missing
// scope, the Principal for a good one.
func TestJWTRouter(t *testing.T) {
	k := keys()
	v := newTestJWT(t, k.hmac[0], nil)
	rt := dynroute.New(&dynroute.Options{Title: "Shop", Security: &dynroute.SecurityOptions{
		Schemes: map[string]dynroute.SecurityScheme{"bearer": {Type: "http", Scheme: "bearer", BearerFormat: "JWT"}},
	}})
	require.NoError(t, rt.Registry().RegisterVerifier("bearer", v))
	err := rt.AddAPIRoute("/admin", []string{"POST"}, okHandler(), &dynroute.RouteOptions{
		Security: []dynroute.SecurityRequirement{{"bearer": {"admin"}}},
	})
	require.NoError(t, err)
	admin := sign(t, jwt.SigningMethodHS256, k.hmac[0], "", claims(func(c jwt.MapClaims) { c["scope"] = "admin" }))
	tests := []struct {
		token  string
		status int
	}{
		{"", 401},
		{"garbage", 401},
		{sign(t, jwt.SigningMethodHS256, k.hmac[1], "", claims(nil)), 401},
		{sign(t, jwt.SigningMethodHS256, k.hmac[0], "", claims(nil)), 403},
		{admin, 200},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.status, serve(rt, "POST", "/admin", tt.token), "%.20s", tt.token)
	}
}

// Verify respects a context already done only where it waits, for a key
// set: a static key answers at once.
func TestJWTStaticIgnoresContext(t *testing.T) {
	k := keys()
	v := newTestJWT(t, k.hmac[0], nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := v.Verify(ctx, dynroute.Credential{Value: sign(t, jwt.SigningMethodHS256, k.hmac[0], "", claims(nil))})
	assert.NoError(t, err)
	assert.NoError(t, v.Refresh(ctx))
}
