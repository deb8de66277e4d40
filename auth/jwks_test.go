package auth

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynroute/dynroute"
)

// clock is a settable clock for the verifier.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// jwksServer serves a key set on 127.0.0.1 and counts its fetches.
type jwksServer struct {
	*httptest.Server
	fetches atomic.Int32

	mu           sync.Mutex
	body         []byte
	status       int
	cacheControl string
	block        chan struct{} // when not nil, answers wait for it to close
}

func newJWKSServer(t *testing.T, keys map[string]any) *jwksServer {
	t.Helper()
	s := &jwksServer{status: http.StatusOK}
	s.setKeys(t, keys)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		body, status, cc, block := s.body, s.status, s.cacheControl, s.block
		s.mu.Unlock()
		if block != nil {
			select {
			case <-block:
			case <-r.Context().Done():
			}
		}
		if cc != "" {
			w.Header().Set("Cache-Control", cc)
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

// setKeys serves the public keys by kid.
func (s *jwksServer) setKeys(t *testing.T, keys map[string]any) {
	t.Helper()
	var set []map[string]any
	for kid, k := range keys {
		set = append(set, jwkOf(t, kid, k))
	}
	body, err := json.Marshal(map[string]any{"keys": set})
	require.NoError(t, err)
	s.set(func() { s.body = body })
}

func (s *jwksServer) set(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

// jwkOf writes a public key as a JWK, as identity providers do.
func jwkOf(t *testing.T, kid string, key any) map[string]any {
	t.Helper()
	b64 := base64.RawURLEncoding.EncodeToString
	switch k := key.(type) {
	case *rsa.PublicKey:
		return map[string]any{"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())}
	case *ecdsa.PublicKey:
		pt, err := k.Bytes()
		require.NoError(t, err)
		return map[string]any{"kty": "EC", "kid": kid, "crv": "P-256", "x": b64(pt[1:33]), "y": b64(pt[33:])}
	}
	t.Fatalf("jwkOf %T", key)
	return nil
}

// syncBuffer is a buffer for a logger that goroutines write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// newJWKSVerifier returns a verifier of srv's key set on clk, and its log.
func newJWKSVerifier(t *testing.T, srv *jwksServer, clk *clock, change func(*JWTOptions)) (*JWT, *syncBuffer) {
	t.Helper()
	log := &syncBuffer{}
	o := &JWTOptions{JWKSURL: srv.URL + "/.well-known/jwks.json", Issuer: "https://issuer.example", Audience: "shop",
		Now: clk.Now, Logger: slog.New(slog.NewTextHandler(log, nil))}
	if change != nil {
		change(o)
	}
	v, err := NewJWT(o)
	require.NoError(t, err)
	return v, log
}

// accepts reports whether v accepts tok, and the error.
func accepts(t *testing.T, v *JWT, tok string) error {
	t.Helper()
	_, err := v.Verify(t.Context(), dynroute.Credential{Value: tok})
	if err != nil {
		checkRefusal(t, err, nil, tok)
	}
	return err
}

func TestJWKSRotation(t *testing.T) {
	k := keys()
	srv := newJWKSServer(t, map[string]any{"k1": &k.rsa[0].PublicKey})
	clk := &clock{now: t0}
	v, _ := newJWKSVerifier(t, srv, clk, nil)
	tok1 := sign(t, jwt.SigningMethodRS256, k.rsa[0], "k1", claims(nil))
	tok2 := sign(t, jwt.SigningMethodES256, k.ec[0], "k2", claims(nil))

	require.NoError(t, accepts(t, v, tok1))
	require.NoError(t, accepts(t, v, tok1))
	assert.EqualValues(t, 1, srv.fetches.Load(), "the set is kept")

	// The provider adds k2. Within a minute of the last fetch, a token
	// with it is refused without a fetch; after, the set is fetched again.
	srv.setKeys(t, map[string]any{"k1": &k.rsa[0].PublicKey, "k2": &k.ec[0].PublicKey})
	err := accepts(t, v, tok2)
	assert.ErrorContains(t, err, `no ES256 key with kid "k2"`)
	assert.EqualValues(t, 1, srv.fetches.Load())
	clk.Advance(61 * time.Second)
	require.NoError(t, accepts(t, v, tok2), "the new kid is accepted after a fetch")
	assert.EqualValues(t, 2, srv.fetches.Load())
	require.NoError(t, accepts(t, v, tok1))

	// k1 is retired: once the set is due again, its tokens are refused.
	srv.setKeys(t, map[string]any{"k2": &k.ec[0].PublicKey})
	clk.Advance(11 * time.Minute)
	assert.Error(t, accepts(t, v, tok1))
	assert.EqualValues(t, 3, srv.fetches.Load())
	require.NoError(t, accepts(t, v, tok2))

	// A token signed by another key under a known kid, or naming a kid of
	// another kind of key, is refused without a fetch.
	assert.ErrorIs(t, accepts(t, v, sign(t, jwt.SigningMethodES256, k.ec[1], "k2", claims(nil))), jwt.ErrTokenSignatureInvalid)
	assert.ErrorContains(t, accepts(t, v, sign(t, jwt.SigningMethodRS256, k.rsa[0], "k2", claims(nil))), "no RS256 key")
	assert.EqualValues(t, 3, srv.fetches.Load())
}

func TestJWKSUnknownKidRateLimit(t *testing.T) {
	k := keys()
	srv := newJWKSServer(t, map[string]any{"k1": &k.rsa[0].PublicKey})
	clk := &clock{now: t0}
	v, _ := newJWKSVerifier(t, srv, clk, nil)
	good := sign(t, jwt.SigningMethodRS256, k.rsa[0], "k1", claims(nil))
	require.NoError(t, accepts(t, v, good))

	// Tokens with made-up kids, many at once.
	burst := func() {
		var wg sync.WaitGroup
		for i := range 50 {
			wg.Go(func() {
				tok := sign(t, jwt.SigningMethodRS256, k.rsa[0], fmt.Sprintf("bogus-%d", i), claims(nil))
				_, err := v.Verify(context.Background(), dynroute.Credential{Value: tok})
				assert.ErrorIs(t, err, dynroute.ErrCredentials)
			})
		}
		wg.Wait()
	}
	burst()
	assert.EqualValues(t, 1, srv.fetches.Load(), "no fetch within a minute of the last")
	clk.Advance(61 * time.Second)
	burst()
	assert.EqualValues(t, 2, srv.fetches.Load(), "one fetch for the whole burst")
	burst()
	clk.Advance(30 * time.Second)
	burst()
	assert.EqualValues(t, 2, srv.fetches.Load())
	require.NoError(t, accepts(t, v, good))
	assert.EqualValues(t, 2, srv.fetches.Load())

	// A shorter interval, as set.
	srv2 := newJWKSServer(t, map[string]any{"k1": &k.rsa[0].PublicKey})
	v2, _ := newJWKSVerifier(t, srv2, clk, func(o *JWTOptions) { o.JWKSMinInterval = 5 * time.Second })
	require.NoError(t, accepts(t, v2, good))
	clk.Advance(6 * time.Second)
	assert.Error(t, accepts(t, v2, sign(t, jwt.SigningMethodRS256, k.rsa[0], "bogus", claims(nil))))
	assert.EqualValues(t, 2, srv2.fetches.Load())
}

func TestJWKSRefreshAfterTTL(t *testing.T) {
	k := keys()
	tests := []struct {
		name          string
		cacheControl  string
		refresh       time.Duration // JWTOptions.JWKSRefresh
		before, after time.Duration // no fetch at before, a fetch at after
	}{
		{"default", "", 0, 9 * time.Minute, 10 * time.Minute},
		{"set", "", 2 * time.Minute, 119 * time.Second, 2 * time.Minute},
		{"max-age", "public, max-age=120", 0, 119 * time.Second, 120 * time.Second},
		{"max-age below the least interval", "max-age=5", 0, 59 * time.Second, time.Minute},
		{"max-age over a day", "max-age=99999999999", 0, 23 * time.Hour, 24 * time.Hour},
		{"no-store", "no-store", 0, 59 * time.Second, time.Minute},
		{"a bad max-age", "max-age=soon", 0, 9 * time.Minute, 10 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newJWKSServer(t, map[string]any{"k1": &k.ec[0].PublicKey})
			srv.set(func() { srv.cacheControl = tt.cacheControl })
			clk := &clock{now: t0}
			v, _ := newJWKSVerifier(t, srv, clk, func(o *JWTOptions) { o.JWKSRefresh = tt.refresh; o.Leeway = 48 * time.Hour })
			tok := sign(t, jwt.SigningMethodES256, k.ec[0], "k1", claims(nil))
			require.NoError(t, accepts(t, v, tok))
			clk.Advance(tt.before)
			require.NoError(t, accepts(t, v, tok))
			assert.EqualValues(t, 1, srv.fetches.Load(), "at %v", tt.before)
			clk.Advance(tt.after - tt.before)
			require.NoError(t, accepts(t, v, tok))
			assert.EqualValues(t, 2, srv.fetches.Load(), "at %v", tt.after)
		})
	}
}

func TestJWKSDownKeepsLastGoodKeys(t *testing.T) {
	k := keys()
	srv := newJWKSServer(t, map[string]any{"k1": &k.rsa[0].PublicKey})
	clk := &clock{now: t0}
	v, log := newJWKSVerifier(t, srv, clk, nil)
	tok := sign(t, jwt.SigningMethodRS256, k.rsa[0], "k1", claims(nil))
	require.NoError(t, accepts(t, v, tok))

	for _, down := range []struct {
		name    string
		breakIt func()
		inLog   string
	}{
		{"503", func() { srv.set(func() { srv.status = http.StatusServiceUnavailable }) }, "503 Service Unavailable"},
		{"malformed", func() { srv.set(func() { srv.status, srv.body = http.StatusOK, []byte("<html>maintenance</html>") }) }, "not a JSON object"},
		{"no usable key", func() { srv.set(func() { srv.body = []byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`) }) }, "no RSA or P-256"},
	} {
		down.breakIt()
		clk.Advance(11 * time.Minute)
		n := srv.fetches.Load()
		require.NoError(t, accepts(t, v, tok), "%s: the last good keys work", down.name)
		assert.Equal(t, n+1, srv.fetches.Load(), down.name)
		assert.Contains(t, log.String(), down.inLog, down.name)
		assert.Contains(t, log.String(), "the last good keys stay in use")
		// A token with an unknown kid says why the set lacks it.
		clk.Advance(61 * time.Second)
		assert.ErrorContains(t, accepts(t, v, sign(t, jwt.SigningMethodRS256, k.rsa[0], "k9", claims(nil))), "the last fetch of the key set failed", down.name)
		// And the retries are a minute apart.
		require.NoError(t, accepts(t, v, tok))
		assert.Equal(t, n+2, srv.fetches.Load(), down.name)
	}
	assert.Error(t, v.Refresh(t.Context()))

	// Up again: the next fetch takes the new set.
	srv.setKeys(t, map[string]any{"k1": &k.rsa[0].PublicKey})
	srv.set(func() { srv.status = http.StatusOK })
	require.NoError(t, v.Refresh(t.Context()))

	// Gone altogether: the server is closed, connections are refused.
	srv.Close()
	clk.Advance(11 * time.Minute)
	require.NoError(t, accepts(t, v, tok))
	assert.NotContains(t, log.String(), string(tok))
}

func TestJWKSFirstFetchFails(t *testing.T) {
	k := keys()
	tests := []struct {
		name, body string
		status     int
		want       string
	}{
		{"not JSON", "not json", 200, "not a JSON object"},
		{"a list", `[{"kty":"RSA"}]`, 200, "not a JSON object"},
		{"no keys member", `{}`, 200, "no keys member"},
		{"keys null", `{"keys":null}`, 200, "no keys member"},
		{"keys empty", `{"keys":[]}`, 200, "no RSA or P-256"},
		{"keys not a list", `{"keys":{"kty":"RSA"}}`, 200, "not a JSON object"},
		{"only unusable keys", `{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"},{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}`, 200, "no RSA or P-256"},
		{"404", `{"keys":[]}`, 404, "404 Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newJWKSServer(t, nil)
			srv.set(func() { srv.body, srv.status = []byte(tt.body), tt.status })
			clk := &clock{now: t0}
			v, _ := newJWKSVerifier(t, srv, clk, nil)
			tok := sign(t, jwt.SigningMethodRS256, k.rsa[0], "k1", claims(nil))
			assert.ErrorContains(t, accepts(t, v, tok), tt.want)
			assert.ErrorContains(t, v.Refresh(t.Context()), tt.want)
			// Fixed: after the least interval, the set is fetched again.
			srv.setKeys(t, map[string]any{"k1": &k.rsa[0].PublicKey})
			srv.set(func() { srv.status = 200 })
			assert.Error(t, accepts(t, v, tok), "no fetch within the minute")
			clk.Advance(61 * time.Second)
			assert.NoError(t, accepts(t, v, tok))
		})
	}
	// A set over a MiB is refused.
	srv := newJWKSServer(t, nil)
	srv.set(func() { srv.body = append([]byte(`{"keys":[],"pad":"`), bytes.Repeat([]byte("x"), jwksMaxBytes)...) })
	v, _ := newJWKSVerifier(t, srv, &clock{now: t0}, nil)
	assert.ErrorContains(t, v.Refresh(t.Context()), "over 1048576 bytes")
}

// A request whose context ends while the set is being fetched returns at
// once; the fetch goes on for the requests after it.
func TestJWKSContext(t *testing.T) {
	k := keys()
	srv := newJWKSServer(t, map[string]any{"k1": &k.rsa[0].PublicKey})
	block := make(chan struct{})
	srv.set(func() { srv.block = block })
	clk := &clock{now: t0}
	v, _ := newJWKSVerifier(t, srv, clk, nil)
	tok := sign(t, jwt.SigningMethodRS256, k.rsa[0], "k1", claims(nil))

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := v.Verify(ctx, dynroute.Credential{Value: tok})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorIs(t, err, dynroute.ErrCredentials)
	assert.Less(t, time.Since(start), 5*time.Second)

	ctx, cancel = context.WithCancel(t.Context())
	cancel()
	assert.ErrorIs(t, v.Refresh(ctx), context.Canceled)

	srv.set(func() { srv.block = nil })
	close(block)
	require.NoError(t, accepts(t, v, tok), "the fetch under way ends and serves the next request")
	assert.EqualValues(t, 1, srv.fetches.Load())
}

// A token without kid matches the keys of the set without one; HS256 is
// never accepted from a key set, even if it holds an oct key.
func TestJWKSNoKidAndOct(t *testing.T) {
	k := keys()
	srv := newJWKSServer(t, map[string]any{"": &k.rsa[0].PublicKey})
	v, _ := newJWKSVerifier(t, srv, &clock{now: t0}, nil)
	require.NoError(t, accepts(t, v, sign(t, jwt.SigningMethodRS256, k.rsa[0], "", claims(nil))))
	assert.Error(t, accepts(t, v, sign(t, jwt.SigningMethodRS256, k.rsa[0], "k1", claims(nil))))

	oct := fmt.Sprintf(`{"keys":[{"kty":"oct","kid":"h","alg":"HS256","k":%q},%s]}`,
		base64.RawURLEncoding.EncodeToString(k.hmac[0]), mustJSON(t, jwkOf(t, "r", &k.rsa[0].PublicKey)))
	srv.set(func() { srv.body = []byte(oct) })
	require.NoError(t, v.Refresh(t.Context()))
	tok := sign(t, jwt.SigningMethodHS256, k.hmac[0], "h", claims(nil))
	assert.ErrorIs(t, accepts(t, v, tok), jwt.ErrTokenSignatureInvalid)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestParseJWKS(t *testing.T) {
	// Key sets as providers publish them (testdata/jwks): the kids of the
	// keys a verifier uses.
	for file, want := range map[string]map[string]int{
		"rsa.json":    {"3f2a9c1b7d": 1, "8e41d0c6a2": 1},
		"mixed.json":  {"ec-2026-01": 1}, // P-384, Ed25519 and an HMAC secret are skipped
		"unused.json": {"": 1},           // an encryption key is skipped
	} {
		b, err := os.ReadFile("testdata/jwks/" + file)
		require.NoError(t, err)
		got, err := parseJWKS(b)
		require.NoError(t, err, file)
		counts := map[string]int{}
		for kid, ks := range got {
			counts[kid] = len(ks)
		}
		assert.Equal(t, want, counts, file)
	}

	k := keys()
	rsaJWK := jwkOf(t, "r", &k.rsa[0].PublicKey)
	ecJWK := jwkOf(t, "e", &k.ec[0].PublicKey)
	with := func(base map[string]any, kv ...any) string {
		m := map[string]any{}
		for key, v := range base {
			m[key] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
				continue
			}
			m[kv[i].(string)] = kv[i+1]
		}
		return `{"keys":[` + mustJSON(t, m) + `]}`
	}
	b64 := base64.RawURLEncoding.EncodeToString
	tests := []struct {
		name string
		set  string
		ok   bool // the key is taken
	}{
		{"RSA", with(rsaJWK), true},
		{"RSA without alg and use", with(rsaJWK, "alg", nil, "use", nil), true},
		{"RSA for encryption", with(rsaJWK, "use", "enc"), false},
		{"RSA for RS512", with(rsaJWK, "alg", "RS512"), false},
		{"RSA with ES256", with(rsaJWK, "alg", "ES256"), false},
		{"RSA n padded", with(rsaJWK, "n", rsaJWK["n"].(string)+"=="), false},
		{"RSA n standard base64", with(rsaJWK, "n", base64.StdEncoding.EncodeToString(k.rsa[0].N.Bytes())), false},
		{"RSA n a number", with(rsaJWK, "n", 12345), false},
		{"RSA of 1024 bits", with(rsaJWK, "n", b64(k.smallRSA.N.Bytes())), false},
		{"RSA e even", with(rsaJWK, "e", b64([]byte{1, 0, 0})), false},
		{"RSA e 1", with(rsaJWK, "e", b64([]byte{1})), false},
		{"RSA e too long", with(rsaJWK, "e", b64([]byte{1, 0, 0, 0, 1})), false},
		{"RSA e missing", with(rsaJWK, "e", nil), false},
		{"EC", with(ecJWK), true},
		{"EC with ES256", with(ecJWK, "alg", "ES256"), true},
		{"EC with RS256", with(ecJWK, "alg", "RS256"), false},
		{"EC P-384", with(ecJWK, "crv", "P-384"), false},
		{"EC x short", with(ecJWK, "x", b64(make([]byte, 31))), false},
		{"EC off the curve", with(ecJWK, "y", b64(bytes.Repeat([]byte{7}, 32))), false},
		{"EC at zero", with(ecJWK, "x", b64(make([]byte, 32)), "y", b64(make([]byte, 32))), false},
		{"kty missing", with(rsaJWK, "kty", nil), false},
		{"kty lower case", with(rsaJWK, "kty", "rsa"), false},
	}
	for _, tt := range tests {
		got, err := parseJWKS([]byte(tt.set))
		if !tt.ok {
			assert.Error(t, err, tt.name)
			continue
		}
		require.NoError(t, err, tt.name)
		assert.Len(t, got, 1, tt.name)
	}
	// One bad key does not spoil the set.
	got, err := parseJWKS([]byte(`{"keys":[{"kty":"RSA","n":1},` + mustJSON(t, ecJWK) + `,"junk"]}`))
	require.NoError(t, err)
	assert.Len(t, got["e"], 1)
	// The same kid twice: both are tried.
	got, err = parseJWKS([]byte(`{"keys":[` + mustJSON(t, jwkOf(t, "x", &k.ec[0].PublicKey)) + "," + mustJSON(t, jwkOf(t, "x", &k.ec[1].PublicKey)) + `]}`))
	require.NoError(t, err)
	s := &jwks{keys: got}
	assert.IsType(t, jwt.VerificationKeySet{}, s.fitting("x", "ES256"))
}
