package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"testing"
)

// FuzzJWKS feeds parseJWKS any document: it never panics, and every key it
// takes is one a verifier can use (an RSA key of a sane size and exponent,
// a point on P-256) whose alg, if any, fits it.
func FuzzJWKS(f *testing.F) {
	f.Add([]byte(`{"keys":[]}`))
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","kid":"1"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","alg":"RS256","kid":"short"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0","alg":"HS256"},null,1,"x",[]]}`))
	f.Add([]byte(`{"keys":{}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := parseJWKS(data)
		if err != nil {
			if keys != nil {
				t.Fatal("keys and an error")
			}
			return
		}
		if len(keys) == 0 {
			t.Fatal("no keys and no error")
		}
		for kid, ks := range keys {
			for _, k := range ks {
				switch pub := k.key.(type) {
				case *rsa.PublicKey:
					if bits := pub.N.BitLen(); bits < minRSABits || bits > maxRSABits || pub.E < 3 || pub.E%2 == 0 {
						t.Fatalf("kid %q: an RSA key of %d bits, e %d", kid, bits, pub.E)
					}
					if k.alg != "" && k.alg != "RS256" {
						t.Fatalf("kid %q: an RSA key for %s", kid, k.alg)
					}
				case *ecdsa.PublicKey:
					if pub.Curve != elliptic.P256() {
						t.Fatalf("kid %q: an EC key not on P-256", kid)
					}
					if _, err := pub.Bytes(); err != nil {
						t.Fatalf("kid %q: %v", kid, err)
					}
					if k.alg != "" && k.alg != "ES256" {
						t.Fatalf("kid %q: an EC key for %s", kid, k.alg)
					}
				default:
					t.Fatalf("kid %q: a key of type %T", kid, k.key)
				}
			}
		}
	})
}
