package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The rules of a key set's cache (see JWT).
const (
	jwksDefaultRefresh = 10 * time.Minute
	jwksMinInterval    = time.Minute
	jwksMaxAge         = 24 * time.Hour
	// jwksFetchTimeout bounds a fetch whatever the client's timeout; a
	// fetch outlives the request that started it (others wait for it), so
	// that request's cancellation does not end it.
	jwksFetchTimeout = 10 * time.Second
	// jwksMaxBytes is the largest key set read; real ones are a few KiB.
	jwksMaxBytes = 1 << 20
	// maxRSABits bounds the work an RSA key of a key set can ask for.
	maxRSABits = 8192
)

// jwk is a key of a key set, ready for verifying.
type jwk struct {
	alg string // the key's alg member, or "" for any that fits
	key any    // *rsa.PublicKey or *ecdsa.PublicKey
}

// jwks is the cached key set of a URL.
type jwks struct {
	url         *url.URL
	client      *http.Client
	refreshTTL  time.Duration
	minInterval time.Duration
	logger      *slog.Logger // nil: slog.Default()
	now         func() time.Time

	mu       sync.Mutex
	keys     map[string][]jwk // by kid; nil before the first good fetch
	expires  time.Time        // when keys are due for a fetch
	lastTry  time.Time        // when the last fetch started; zero before
	lastErr  error            // the last fetch's error, or nil
	inflight chan struct{}    // closed when the fetch under way ends; nil if none
}

func newJWKS(u *url.URL, o *JWTOptions) *jwks {
	s := &jwks{url: u, client: o.Client, refreshTTL: o.JWKSRefresh, minInterval: o.JWKSMinInterval, logger: o.Logger, now: o.Now}
	if s.client == nil {
		s.client = &http.Client{Timeout: jwksFetchTimeout}
	}
	if s.refreshTTL <= 0 {
		s.refreshTTL = jwksDefaultRefresh
	}
	if s.minInterval <= 0 {
		s.minInterval = jwksMinInterval
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// key returns the keys of kid that fit alg, fetching the set first if it
// is due, or if it has no such key and the last fetch is long enough ago.
func (s *jwks) key(ctx context.Context, kid, alg string) (any, error) {
	s.mu.Lock()
	keys := s.fitting(kid, alg)
	now := s.now()
	due := s.keys == nil || !now.Before(s.expires)
	if !due && keys != nil {
		s.mu.Unlock()
		return keys, nil
	}
	wait := s.inflight
	if wait == nil && (s.lastTry.IsZero() || now.Sub(s.lastTry) >= s.minInterval) {
		wait = s.startLocked(ctx, now)
	}
	s.mu.Unlock()
	if wait != nil {
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, &keyError{msg: "waiting for the key set", err: ctx.Err()}
		}
		s.mu.Lock()
		keys = s.fitting(kid, alg)
	} else {
		s.mu.Lock() // rate-limited: the keys at hand
	}
	lastErr := s.lastErr
	s.mu.Unlock()
	if keys != nil {
		return keys, nil
	}
	if lastErr != nil {
		return nil, &keyError{msg: fmt.Sprintf("no %s key with kid %.64q: the last fetch of the key set failed", alg, kid), err: lastErr}
	}
	return nil, &keyError{msg: fmt.Sprintf("no %s key with kid %.64q in the key set", alg, kid)}
}

// refresh fetches the set now, or waits for the fetch under way, and
// returns its error.
func (s *jwks) refresh(ctx context.Context) error {
	s.mu.Lock()
	wait := s.inflight
	if wait == nil {
		wait = s.startLocked(ctx, s.now())
	}
	s.mu.Unlock()
	select {
	case <-wait:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastErr
}

// fitting returns the keys of kid that fit alg, as the jwt parser takes
// them, or nil; callers hold s.mu.
func (s *jwks) fitting(kid, alg string) any {
	var out []jwt.VerificationKey
	for _, k := range s.keys[kid] {
		if (k.alg == "" || k.alg == alg) && keyFits(alg, k.key) {
			out = append(out, k.key)
		}
	}
	switch len(out) {
	case 0:
		return nil
	case 1:
		return out[0]
	}
	return jwt.VerificationKeySet{Keys: out}
}

// startLocked starts a fetch and returns the channel closed when it ends;
// callers hold s.mu. The fetch keeps ctx's values, not its cancellation.
func (s *jwks) startLocked(ctx context.Context, now time.Time) chan struct{} {
	done := make(chan struct{})
	s.inflight, s.lastTry = done, now
	go func() {
		defer close(done)
		keys, ttl, err := s.fetch(context.WithoutCancel(ctx))
		s.mu.Lock()
		defer s.mu.Unlock()
		s.inflight, s.lastErr = nil, err
		if err != nil {
			logger := s.logger
			if logger == nil {
				logger = slog.Default()
			}
			logger.Warn("auth: fetching the JWKS failed; the last good keys stay in use", "url", s.url.Redacted(), "error", err)
			return
		}
		s.keys, s.expires = keys, s.now().Add(ttl)
	}()
	return done
}

// fetch gets and parses the key set; ttl is how long to use it.
func (s *jwks) fetch(ctx context.Context) (keys map[string][]jwk, ttl time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, jwksFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url.String(), nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	res, err := s.client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("the JWKS answered %s", res.Status)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, jwksMaxBytes+1))
	if err != nil {
		return nil, 0, err
	}
	if len(body) > jwksMaxBytes {
		return nil, 0, fmt.Errorf("the JWKS is over %d bytes", jwksMaxBytes)
	}
	if keys, err = parseJWKS(body); err != nil {
		return nil, 0, err
	}
	return keys, s.ttl(res.Header.Values("Cache-Control")), nil
}

// ttl is how long a set fetched with the Cache-Control values cc is used:
// its max-age bounded by the least interval between fetches and a day, or
// refreshTTL without one; no-store and no-cache ask for the least.
func (s *jwks) ttl(cc []string) time.Duration {
	for _, v := range cc {
		for d := range strings.SplitSeq(v, ",") {
			d = strings.ToLower(strings.TrimSpace(d))
			if d == "no-store" || d == "no-cache" {
				return s.minInterval
			}
			if age, ok := strings.CutPrefix(d, "max-age="); ok {
				n, err := strconv.ParseInt(strings.Trim(age, `"`), 10, 64)
				if err != nil || n < 0 {
					continue
				}
				return min(max(time.Duration(min(n, int64(jwksMaxAge/time.Second)))*time.Second, s.minInterval), jwksMaxAge)
			}
		}
	}
	return s.refreshTTL
}

// rawJWK holds the members of a JSON Web Key (RFC 7517, RFC 7518 section 6)
// a verifier reads.
type rawJWK struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// parseJWKS reads a JSON Web Key Set: its RSA keys and P-256 EC keys for
// signatures, by kid. A key of another type or use, or with members out of
// range, is skipped, as RFC 7517 section 5 asks; a document that is not a
// key set, or has no key to use, is an error.
func parseJWKS(data []byte) (map[string][]jwk, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, errors.New("the JWKS is not a JSON object with a keys list")
	}
	if doc.Keys == nil {
		return nil, errors.New("the JWKS has no keys member")
	}
	keys := map[string][]jwk{}
	for _, raw := range doc.Keys {
		var r rawJWK
		if json.Unmarshal(raw, &r) != nil {
			continue
		}
		key, alg, ok := r.key()
		if !ok {
			continue
		}
		keys[r.Kid] = append(keys[r.Kid], jwk{alg: alg, key: key})
	}
	if len(keys) == 0 {
		return nil, errors.New("the JWKS has no RSA or P-256 signature key")
	}
	return keys, nil
}

// key makes the public key of r; ok is false for one the verifier does not
// use.
func (r *rawJWK) key() (key any, alg string, ok bool) {
	if r.Use != "" && r.Use != "sig" {
		return nil, "", false
	}
	switch r.Kty {
	case "RSA":
		if r.Alg != "" && r.Alg != "RS256" {
			return nil, "", false
		}
		n, okN := decodeB64(r.N)
		e, okE := decodeB64(r.E)
		if !okN || !okE || len(e) == 0 || len(e) > 4 {
			return nil, "", false
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if bits := pub.N.BitLen(); bits < minRSABits || bits > maxRSABits || pub.E < 3 || pub.E%2 == 0 {
			return nil, "", false
		}
		return pub, r.Alg, true
	case "EC":
		if r.Crv != "P-256" || (r.Alg != "" && r.Alg != "ES256") {
			return nil, "", false
		}
		x, okX := decodeB64(r.X)
		y, okY := decodeB64(r.Y)
		if !okX || !okY || len(x) != 32 || len(y) != 32 {
			return nil, "", false
		}
		point := append(append([]byte{4}, x...), y...)
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
		if err != nil {
			return nil, "", false
		}
		return pub, r.Alg, true
	}
	return nil, "", false
}

// decodeB64 decodes a base64url member without padding, as JWKs write
// them.
func decodeB64(s string) ([]byte, bool) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return b, err == nil
}
