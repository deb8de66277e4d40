package jsonschema

import (
	"testing"

	"github.com/dynroute/dynroute/internal/testkit"
)

// TestFuzzCorpus checks the seed corpus of FuzzValidateSyntax: the JSON
// documents of the repository (route configs, the schema goldens, OpenAPI
// documents).
// TestMain bounds how long go test -fuzz minimizes an input (see
// testkit.Main).
func TestMain(m *testing.M) { testkit.Main(m) }

func TestFuzzCorpus(t *testing.T) {
	c := testkit.Corpus{}
	for _, b := range testkit.Sorted(testkit.Files(t, "../testdata/config/*.json")) {
		c.Add("FuzzValidateSyntax", b)
	}
	for _, b := range testkit.Sorted(testkit.Files(t, "testdata/*.json", "../typed/testdata/openapi/mounts.json", "../testdata/openapi/petstore.json")) {
		for _, piece := range testkit.SeedPieces(t, b, true) {
			c.Add("FuzzValidateSyntax", piece)
		}
	}
	testkit.CheckFuzzCorpus(t, c)
}
