package auth

import (
	"testing"

	"github.com/dynroute/dynroute/internal/testkit"
)

// TestMain bounds how long go test -fuzz minimizes an input (see
// testkit.Main).
func TestMain(m *testing.M) { testkit.Main(m) }

// TestFuzzCorpus checks the seed corpus of FuzzJWKS: the key sets of
// testdata/jwks, as providers publish them, a key at a time where a set is
// too large for a seed, and sets at the edges of the format.
func TestFuzzCorpus(t *testing.T) {
	c := testkit.Corpus{}
	for _, doc := range testkit.Sorted(testkit.Files(t, "testdata/jwks/*.json")) {
		for _, piece := range testkit.SeedPieces(t, doc, true) {
			c.Add("FuzzJWKS", piece)
		}
	}
	for _, s := range []string{
		`{"keys":[]}`,
		`{"keys":null}`,
		`{}`,
		`{"keys":[{"kty":"RSA","kid":"k","n":"AQAB","e":"AQAB"}]}`,
		`{"keys":[{"kty":"EC","crv":"P-256","x":"","y":""}]}`,
		`{"keys":[{"kty":"EC","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]}`,
		`{"keys":[{"kty":"RSA","use":"enc","alg":"RSA-OAEP","n":"AQAB","e":"AQAB"},{"kty":"oct","k":"c2VjcmV0"}]}`,
		`{"keys":[1,"two",null,[],{}]}`,
	} {
		c.Add("FuzzJWKS", []byte(s))
	}
	testkit.CheckFuzzCorpus(t, c)
}
