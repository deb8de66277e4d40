package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/dynroute/dynroute"
)

// JWTOptions configure a JWT verifier. There is no default key source:
// set Key or JWKSURL, not both.
type JWTOptions struct {
	// Key is a static verification key: an HS256 secret ([]byte, at least
	// 32 bytes as RFC 7518 asks), an *rsa.PublicKey of 2048 bits or more
	// for RS256, or an *ecdsa.PublicKey on P-256 for ES256.
	Key any
	// JWKSURL is where the identity provider publishes its keys as a JSON
	// Web Key Set (RSA and P-256 keys for signatures); tokens choose theirs
	// by kid. See JWT for when the set is fetched.
	JWKSURL string
	// Client fetches the JWKS; nil means a client with a 10-second timeout.
	Client *http.Client
	// Algorithms are the signature algorithms accepted, among HS256, RS256
	// and ES256; nil means those of the key: HS256 for a secret, RS256 or
	// ES256 for a public key, RS256 and ES256 for a JWKS. An algorithm the
	// key cannot be used with is an error: a token never chooses HS256
	// against a public key (whose bytes are no secret), and "none" is never
	// accepted.
	Algorithms []string
	// Issuer, when set, is the iss claim a token must have.
	Issuer string
	// Audience, when set, must be among the token's aud claim.
	Audience string
	// Leeway is the clock skew allowed when checking exp and nbf: 0 means
	// 30 seconds, a negative value none.
	Leeway time.Duration
	// ExpirationOptional accepts tokens without an exp claim, which are
	// refused by default: such a token, once leaked, works forever.
	ExpirationOptional bool
	// JWKSRefresh is how long a fetched key set is used before it is
	// fetched again when the answer has no Cache-Control max-age: 0 means
	// 10 minutes. A max-age is taken, bounded by JWKSMinInterval and 24
	// hours.
	JWKSRefresh time.Duration
	// JWKSMinInterval is the least time between two fetches of the key set,
	// whatever the tokens ask for: 0 means a minute.
	JWKSMinInterval time.Duration
	// Logger receives a warning when a fetch of the key set fails; nil
	// means slog.Default() at the time of logging.
	Logger *slog.Logger
	// Now is the clock, for tests; nil means time.Now.
	Now func() time.Time
}

// JWT verifies bearer JSON Web Tokens (RFC 7519) signed with HS256, RS256
// or ES256, for schemes of type http bearer, oauth2 and openIdConnect. A
// token is accepted when its signature verifies with the key, its
// algorithm is one the options allow for that key, it has not expired
// (exp, required unless JWTOptions.ExpirationOptional), its nbf has
// passed, and its iss and aud are those the options name. The Principal's
// Subject is the sub claim, its Scopes those of the OAuth 2.0 scope claim
// (a string of space-separated scopes) and of scp (a list or a string),
// and its Claims every claim, as encoding/json decodes them.
//
// # Key sets
//
// With a JWKS URL, the key set is fetched on the first token and kept; a
// token's kid selects its key. The set is fetched again when it is older
// than its Cache-Control max-age (JWTOptions.JWKSRefresh without one), and
// when a token names a kid the set lacks, as the provider's keys rotate.
// Fetches are at least JWTOptions.JWKSMinInterval apart, so that tokens
// with made-up kids cannot make the verifier hammer the provider; a
// concurrent request waits for the fetch under way rather than starting
// another. A fetch that fails (the provider is down, the set is
// malformed) keeps the last good keys in use, and is logged.
//
// Errors wrap dynroute.ErrCredentials and, where there is one, the
// jwt/v5 error that says why (jwt.ErrTokenExpired...); they never include
// the token.
type JWT struct {
	parser *jwt.Parser
	static any   // the key of JWTOptions.Key, or nil
	set    *jwks // the key set of JWTOptions.JWKSURL, or nil
}

// algorithm kinds: the key an algorithm takes.
const (
	kindHMAC = "HMAC secret"
	kindRSA  = "RSA public key"
	kindEC   = "P-256 public key"
)

// algKinds are the algorithms a JWT verifier takes, with their key kinds.
var algKinds = map[string]string{"HS256": kindHMAC, "RS256": kindRSA, "ES256": kindEC}

// minHMACSecret is the shortest HS256 secret, the hash's size (RFC 7518
// section 3.2).
const minHMACSecret = 32

// minRSABits is the smallest RSA modulus taken.
const minRSABits = 2048

// NewJWT returns a verifier of tokens as o says. o is required: its key
// source, its algorithms and their fit with the key are checked here.
func NewJWT(o *JWTOptions) (*JWT, error) {
	if o == nil {
		return nil, errors.New("auth: JWT options are required: a Key or a JWKSURL")
	}
	v := &JWT{}
	var kinds []string // the key kinds the source offers
	switch {
	case o.Key != nil && o.JWKSURL != "":
		return nil, errors.New("auth: JWT options have a Key and a JWKSURL; give one")
	case o.Key != nil:
		kind, err := staticKind(o.Key)
		if err != nil {
			return nil, err
		}
		v.static, kinds = o.Key, []string{kind}
	case o.JWKSURL != "":
		u, err := url.Parse(o.JWKSURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, errors.New("auth: the JWKSURL is not an http or https URL")
		}
		v.set = newJWKS(u, o)
		kinds = []string{kindRSA, kindEC}
	default:
		return nil, errors.New("auth: JWT options need a Key or a JWKSURL")
	}

	algs := o.Algorithms
	if algs == nil {
		for _, alg := range slices.Sorted(maps.Keys(algKinds)) {
			if slices.Contains(kinds, algKinds[alg]) {
				algs = append(algs, alg)
			}
		}
	}
	if len(algs) == 0 {
		return nil, errors.New("auth: JWT options allow no algorithm")
	}
	for _, alg := range algs {
		kind, ok := algKinds[alg]
		switch {
		case !ok:
			return nil, fmt.Errorf("auth: JWT algorithm %q is none of HS256, RS256 and ES256", alg)
		case !slices.Contains(kinds, kind):
			return nil, fmt.Errorf("auth: JWT algorithm %s takes an %s, which the key source does not give", alg, kind)
		}
	}

	leeway := o.Leeway
	switch {
	case leeway == 0:
		leeway = 30 * time.Second
	case leeway < 0:
		leeway = 0
	}
	opts := []jwt.ParserOption{jwt.WithValidMethods(slices.Clone(algs)), jwt.WithLeeway(leeway)}
	if !o.ExpirationOptional {
		opts = append(opts, jwt.WithExpirationRequired())
	}
	if o.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(o.Issuer))
	}
	if o.Audience != "" {
		opts = append(opts, jwt.WithAudience(o.Audience))
	}
	if o.Now != nil {
		opts = append(opts, jwt.WithTimeFunc(o.Now))
	}
	v.parser = jwt.NewParser(opts...)
	return v, nil
}

// staticKind checks a static key and returns its kind.
func staticKind(key any) (string, error) {
	switch k := key.(type) {
	case []byte:
		if len(k) < minHMACSecret {
			return "", fmt.Errorf("auth: an HS256 secret has at least %d bytes, not %d", minHMACSecret, len(k))
		}
		return kindHMAC, nil
	case *rsa.PublicKey:
		if k == nil || k.N == nil || k.N.BitLen() < minRSABits {
			return "", fmt.Errorf("auth: an RSA key has at least %d bits", minRSABits)
		}
		return kindRSA, nil
	case *ecdsa.PublicKey:
		if k == nil || k.Curve != elliptic.P256() {
			return "", errors.New("auth: an ECDSA key for ES256 is on the curve P-256")
		}
		return kindEC, nil
	case string:
		return "", errors.New("auth: give an HS256 secret as []byte")
	case *rsa.PrivateKey, *ecdsa.PrivateKey:
		return "", fmt.Errorf("auth: the key is a private key (%T): give its public key", key)
	}
	return "", fmt.Errorf("auth: a JWT key of type %T is none of []byte, *rsa.PublicKey and *ecdsa.PublicKey", key)
}

// keyFits reports whether key is of the kind alg takes.
func keyFits(alg string, key any) bool {
	switch k := key.(type) {
	case []byte:
		return algKinds[alg] == kindHMAC
	case *rsa.PublicKey:
		return algKinds[alg] == kindRSA
	case *ecdsa.PublicKey:
		return algKinds[alg] == kindEC && k.Curve == elliptic.P256()
	}
	return false
}

// Verify accepts c.Value if it is a token the verifier's options accept.
// ctx bounds the wait for a fetch of the key set.
func (v *JWT) Verify(ctx context.Context, c dynroute.Credential) (*dynroute.Principal, error) {
	claims := jwt.MapClaims{}
	_, err := v.parser.ParseWithClaims(c.Value, claims, func(t *jwt.Token) (any, error) { return v.key(ctx, t) })
	if err != nil {
		return nil, refusal(err)
	}
	p := &dynroute.Principal{Claims: map[string]any(claims)}
	if sub, ok := claims["sub"]; ok {
		if p.Subject, ok = sub.(string); !ok {
			return nil, fmt.Errorf("auth: %w: the sub claim is not a string", dynroute.ErrCredentials)
		}
	}
	if p.Scopes, err = scopes(claims); err != nil {
		return nil, fmt.Errorf("auth: %w: %w", dynroute.ErrCredentials, err)
	}
	return p, nil
}

// Refresh fetches the key set now, or joins the fetch under way, and
// returns the fetch's error: a program may call it at startup to learn
// that its JWKSURL works. It does nothing for a static key.
func (v *JWT) Refresh(ctx context.Context) error {
	if v.set == nil {
		return nil
	}
	return v.set.refresh(ctx)
}

// keyError is why the key function found no key; refusal passes its text
// on.
type keyError struct {
	msg string
	err error // the cause, or nil
}

func (e *keyError) Error() string {
	if e.err != nil {
		return e.msg + ": " + e.err.Error()
	}
	return e.msg
}

func (e *keyError) Unwrap() error { return e.err }

// key returns the key that verifies t, after the parser checked that t's
// algorithm is allowed.
func (v *JWT) key(ctx context.Context, t *jwt.Token) (any, error) {
	if _, ok := t.Header["crit"]; ok {
		// RFC 7515 section 4.1.11: extensions the verifier does not know.
		return nil, &keyError{msg: "the token has critical header parameters"}
	}
	alg := t.Method.Alg()
	if v.static != nil {
		if !keyFits(alg, v.static) {
			return nil, &keyError{msg: "the token's algorithm does not fit the key"}
		}
		return v.static, nil
	}
	kid := ""
	if raw, ok := t.Header["kid"]; ok {
		if kid, ok = raw.(string); !ok {
			return nil, &keyError{msg: "the token's kid is not a string"}
		}
	}
	return v.set.key(ctx, kid, alg)
}

// refusals are the jwt errors refusal names, the first that matches.
var refusals = []error{
	jwt.ErrTokenMalformed,
	jwt.ErrTokenSignatureInvalid,
	jwt.ErrTokenExpired,
	jwt.ErrTokenNotValidYet,
	jwt.ErrTokenRequiredClaimMissing,
	jwt.ErrTokenInvalidIssuer,
	jwt.ErrTokenInvalidAudience,
	jwt.ErrInvalidType,
	jwt.ErrTokenUnverifiable,
}

// refusal turns a parser error into the verifier's: ErrCredentials and the
// reason, from the verifier's own key errors or the jwt error, whose texts
// never hold the token.
func refusal(err error) error {
	if ke, ok := errors.AsType[*keyError](err); ok {
		return fmt.Errorf("auth: %w: %w", dynroute.ErrCredentials, ke)
	}
	for _, r := range refusals {
		if errors.Is(err, r) {
			return fmt.Errorf("auth: %w: %w", dynroute.ErrCredentials, r)
		}
	}
	return fmt.Errorf("auth: %w: the token is not accepted", dynroute.ErrCredentials)
}

// scopes returns the scopes of the scope claim (OAuth 2.0, RFC 8693: a
// string of space-separated scopes) and of scp (a list, or a string as
// scope), each once.
func scopes(claims jwt.MapClaims) ([]string, error) {
	var out []string
	add := func(s string) {
		for _, f := range strings.Fields(s) {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	switch s := claims["scope"].(type) {
	case nil:
	case string:
		add(s)
	default:
		return nil, errors.New("the scope claim is not a string")
	}
	switch s := claims["scp"].(type) {
	case nil:
	case string:
		add(s)
	case []any:
		for _, item := range s {
			str, ok := item.(string)
			if !ok {
				return nil, errors.New("the scp claim is not a list of strings")
			}
			add(str)
		}
	default:
		return nil, errors.New("the scp claim is neither a string nor a list")
	}
	return out, nil
}

var _ dynroute.Verifier = (*JWT)(nil)
