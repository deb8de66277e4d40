package jsonschema

import (
	"testing"

	"github.com/dynroute/dynroute/internal/testkit"
)

// TestFuzzCorpus checks the seed corpus of FuzzValidateSyntax: the JSON
// documents of the repository (route configs, the schema goldens, OpenAPI
// documents).
func TestFuzzCorpus(t *testing.T) {
	c := testkit.Corpus{}
	for _, b := range testkit.Sorted(testkit.Files(t, "../testdata/config/*.json")) {
		c.Add("FuzzValidateSyntax", b)
	}
	for _, b := range testkit.Sorted(testkit.Files(t, "testdata/*.json", "../typed/testdata/openapi/mounts.json", "../testdata/openapi/petstore.json")) {
		c.Add("FuzzValidateSyntax", b)
	}
	testkit.CheckFuzzCorpus(t, c)
}
