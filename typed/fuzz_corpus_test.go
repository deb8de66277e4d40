package typed

import (
	"os"
	"strings"
	"testing"

	"github.com/dynroute/dynroute/internal/testkit"
	"github.com/stretchr/testify/require"
)

// TestFuzzCorpus checks the seed corpora of FuzzTypedBody and
// FuzzTypedParams.
// TestMain bounds how long go test -fuzz minimizes an input (see
// testkit.Main).
func TestMain(m *testing.M) { testkit.Main(m) }

func TestFuzzCorpus(t *testing.T) {
	c := testkit.Corpus{}
	add := c.Add
	seed, err := os.ReadFile("../testdata/config/seed.json")
	require.NoError(t, err)

	// Typed bodies: orders as clients send them, right and wrong.
	for _, b := range []struct{ body, query, id, token string }{
		{`{"name":"ann@example.org","price":19.99,"items":[{"sku":"AB-12","qty":2,"tag":["gift"]}],"meta":{"express":true}}`, "q=shoes&n=1&n=2,3", "42", "123e4567-e89b-12d3-a456-426614174000"},
		{`{"name":"bob@example.org","price":0.01,"items":[],"kind":"b","any":{"k":[null,true,1.5,"s"]}}`, "when=2024-05-06T07:08:09Z", "65535", "00000000-0000-0000-0000-000000000000"},
		{`{"name":"x@y.z","price":1,"items":[{"sku":"A-1","qty":1,"sub":{"sku":"B-2","qty":1,"sub":{"sku":"C-3","qty":1}}}]}`, "", "1", ""},
		{`{"name":"ü@bücher.de","price":1e-300,"items":[{"sku":"Z-0","qty":127}],"meta":{}}`, "q=%C3%BC", "7", ""},
		{"\ufeff{\"name\":\"a@b.c\",\"price\":1,\"items\":[]}", "", "7", ""},
		{`{"name":"a@b.c","name":"c@d.e","price":1,"items":[]}`, "", "7", ""},
		{`{"name":"a@b.c","price":-1,"items":[{"sku":"a-1","qty":0,"tag":["a","b","c"]}],"extra":1}`, "n=-1", "0", "x"},
		{`{"price":"1","items":{},"meta":[]}`, "q=" + strings.Repeat("x", 11), "-1", ""},
		{`{"name":"a@b.c","price":1,"items":[` + strings.Repeat(`{"sku":"A-1","qty":1},`, 3) + `{"sku":"A-1","qty":1}]}`, "", "2", ""},
		{strings.Repeat("[", 200) + strings.Repeat("]", 200), "", "2", ""},
		{string(seed), "", "3", ""},
	} {
		add("FuzzTypedBody", []byte(b.body), b.query, b.id, b.token)
	}

	// Typed parameters: the seeds, and requests of real APIs.
	for _, s := range fuzzParamsSeeds {
		add("FuzzTypedParams", s.id, s.name, s.query, s.h, s.num, s.list, s.cookie)
	}
	for _, s := range []fuzzParamsReq{
		{"1347", "octocat", "s=open&i=100&u=2&b=true&ss=created,updated&t=2011-04-14T16:00:49Z", "", "", "", ""},
		{"42", "petstore", "col=green&lvl=1&ds=available,pending,sold&su=tag1,tag2&mail=user@example.com", "application/json", "100", "0.5, 1, 2.25", "session=abc123; theme=dark; c=v"},
		{"7", "doc", "f32=3.14&f64=2.718281828459045&u64=9007199254740993&i64=-9007199254740993", "Bearer eyJhbGciOiJIUzI1NiJ9", "1", "", `_ga=GA1.2.1234.5678; cb=1; cu=10; c="a b"`},
		{"-100", "ß", "addr=192.168.0.1&txt=ok&pi=2147483647&pt=1970-01-01T00:00:00Z", "", "0", "-0, 0.0, 1e2", "cb=false"},
		{"9", "名前", "addr=::ffff:1.2.3.4&s=&s=a&ps=%F0%9F%98%80&si=1,4294967295", "", "", "", "c=" + strings.Repeat("z", 17)},
	} {
		add("FuzzTypedParams", s.id, s.name, s.query, s.h, s.num, s.list, s.cookie)
	}
	testkit.CheckFuzzCorpus(t, c)
}
