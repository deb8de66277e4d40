package dynroute

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The compiled body decoder must decode exactly what encoding/json decodes,
// whenever it does not give up.

type (
	fdStr   string
	fdInner struct {
		A int8     `json:"a"`
		B *string  `json:"b"`
		C []uint16 `json:"c"`
	}
	fdEmbedded struct {
		E      string `json:"e"`
		Shadow int    `json:"shadow"`
		Deep   int
	}
	fdQuoted struct {
		Q int `json:"q,string"`
		R int `json:"r"`
	}
	fdEmbeddedPtr struct {
		X int `json:"x"`
	}
	fdValueMethod struct{ N int }
	fdAll         struct {
		fdEmbedded
		*fdEmbeddedPtr
		Shadow   string            `json:"shadow"`
		S        string            //
		Snake    string            `json:"snake_case"`
		B        bool              `json:"b"`
		I        int               `json:"i"`
		I8       int8              //
		I16      int16             //
		I32      int32             //
		I64      int64             //
		U        uint              //
		U8       uint8             //
		U16      uint16            //
		U32      uint32            //
		U64      uint64            //
		UP       uintptr           //
		F32      float32           //
		F64      float64           //
		P        *int              `json:"p"`
		PP       **int             `json:"pp"`
		PS       *fdInner          `json:"ps"`
		Inner    fdInner           `json:"inner"`
		Sl       []fdInner         `json:"sl"`
		SlP      []*int            `json:"slp"`
		Nested   [][]string        `json:"nested"`
		Bytes    []byte            `json:"bytes"`
		Arr      [2]int            `json:"arr"`
		M        map[string]int    `json:"m"`
		Any      any               `json:"any"`
		Num      json.Number       `json:"num"`
		T        time.Time         `json:"t"`
		TP       *time.Time        `json:"tp"`
		Up       upper             `json:"up"`
		UpP      *upper            `json:"upp"`
		Quoted   fdQuoted          `json:"quoted"`
		Named    fdStr             `json:"named"`
		Dash     int               `json:"-,"`
		Skip     int               `json:"-"`
		Raw      json.RawMessage   `json:"raw"`
		Rec      *fdAll            `json:"rec"`
		Methods  fdValueMethod     `json:"methods"`
		MethodsP *fdValueMethod    `json:"methodsp"`
		MapP     map[string]*fdStr `json:"mapp"`
		unexp    int
	}
)

func (m fdValueMethod) UnmarshalJSON([]byte) error { return nil }

// fdDocs are documents for the differential test: each decodes, or makes
// the decoder give up, in some way encoding/json has a rule for.
var fdDocs = []string{
	`{}`, `null`, ` { } `,
	`{"e":"emb","shadow":"outer","Deep":7,"S":"s","snake_case":"sn","b":true,"i":-3,"I8":-128,"I16":300,"I32":-70000,"I64":-9223372036854775808,` +
		`"U":1,"U8":255,"U16":65535,"U32":4294967295,"U64":18446744073709551615,"UP":12,"F32":1.5,"F64":-2.5e-3,` +
		`"p":5,"pp":6,"ps":{"a":1,"b":"x","c":[1,2]},"inner":{"a":2,"b":null,"c":[]},"sl":[{"a":3},{"c":null}],"slp":[1,null,3],` +
		`"nested":[["a"],[],null],"bytes":"aGk=","arr":[1,2],"m":{"a":1},"any":{"k":[1,"x",null]},"num":12.5,` +
		`"t":"2024-01-02T03:04:05+02:00","tp":"2024-01-02T03:04:05Z","up":"abc","upp":"def","quoted":{"q":"12","r":3},"named":"nm","-":9,"Skip":1,` +
		`"raw":{"a": [1, 2]},"rec":{"i":1,"rec":{"S":"deep"}},"methods":{"N":1},"methodsp":{"N":2},"mapp":{"a":"x","b":null},"unexp":1}`,
	`{"b":false,"S":"\u00e9\n\"\\\/\ud83d\ude00\ud800x","snake_case":"` + "\xff\xfe" + `","named":"é"}`,
	`{"p":null,"pp":null,"ps":null,"sl":null,"slp":[],"nested":[],"S":null,"I8":null,"inner":null,"t":null,"tp":null,"up":null,"upp":null,"any":null,"m":null}`,
	`{ "sl" : [ { "a" : 1 } , { } ] , "nested" : [ [ ] , [ "x" , "y" ] ] , "slp" : [ ] }`,
	`{"I8":128}`, `{"I8":-129}`, `{"I16":32768}`, `{"I32":2147483648}`, `{"I64":9223372036854775808}`,
	`{"U8":256}`, `{"U8":-1}`, `{"U16":65536}`, `{"U32":4294967296}`, `{"U64":18446744073709551616}`,
	`{"F32":3.5e38}`, `{"F32":1e39}`, `{"F64":1e400}`, `{"F64":-0.0}`, `{"F64":1E+2}`, `{"i":1.0}`, `{"i":1e2}`,
	`{"i":"1"}`, `{"S":1}`, `{"b":"true"}`, `{"b":0}`, `{"inner":[]}`, `{"sl":{}}`, `{"ps":"x"}`, `{"p":true}`,
	`{"i":1,"i":2}`, `{"inner":{"a":1},"inner":{"c":[1]}}`, `{"ps":{"a":1},"ps":{"b":"2"}}`, `{"sl":[{"a":1}],"sl":[{}]}`,
	`{"I":1}`, `{"SNAKE_CASE":"x"}`, `{"s":"lower"}`, `{"Sl":[]}`, `{"\u0069":7}`, `{"\u0049":7}`, `{"ſ":1}`,
	`{"unknown":{"a":[1,{"b":"}"}]},"i":4,"other":"]"}`,
	`{"num":"12"}`, `{"num":"x"}`, `{"up":"bad"}`, `{"up":1}`, `{"t":"yesterday"}`, `{"bytes":"!!"}`, `{"arr":[1,2,3]}`,
	`{"quoted":{"q":12}}`, `{"quoted":{"q":"x"}}`, `{"x":5}`, `{"rec":{"rec":{"rec":null}}}`,
	`{"mapp":{"a":1}}`, `{"any":1e400}`,
	`[]`, `"str"`, `1`, `true`,
}

// fdCheck decodes doc with the compiled decoder of T and, when it does not
// give up, compares the value with encoding/json's.
func fdCheck[T any](t *testing.T, dec *fastDec, doc string) (decoded bool) {
	t.Helper()
	var got, want T
	var buf []byte
	ok := dec.decodeBody([]byte(doc), unsafe.Pointer(&got), &buf)
	err := json.Unmarshal([]byte(doc), &want)
	if !ok {
		return false
	}
	require.NoError(t, err, "the decoder accepted what encoding/json refuses: %s", doc)
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Fatalf("%s:\n got  %s\n want %s", doc, g, w)
	}
	return true
}

func TestFastDecodeDifferential(t *testing.T) {
	dec := fastDecoderOf(reflect.TypeFor[fdAll]())
	require.NotNil(t, dec)
	pdec := fastDecoderOf(reflect.TypeFor[*fdAll]())
	require.NotNil(t, pdec)
	decoded := 0
	for _, doc := range fdDocs {
		require.True(t, json.Valid([]byte(doc)), doc)
		if fdCheck[fdAll](t, dec, doc) {
			decoded++
		}
		fdCheck[*fdAll](t, pdec, doc)
	}
	assert.GreaterOrEqual(t, decoded, 14, "the decoder should decode the valid documents itself")
}

func TestFastDecodeGivesUp(t *testing.T) {
	dec := fastDecoderOf(reflect.TypeFor[fdAll]())
	tests := []struct {
		name, doc string
	}{
		{"int8 overflow", `{"I8":300}`},
		{"fraction into an int", `{"i":1.5}`},
		{"exponent into an int", `{"i":1e2}`},
		{"negative into a uint", `{"U":-1}`},
		{"float32 overflow", `{"F32":1e39}`},
		{"string into an int", `{"i":"1"}`},
		{"number into a string", `{"S":1}`},
		{"array into a struct", `{"inner":[]}`},
		{"duplicate scalar", `{"i":1,"i":2}`},
		{"duplicate struct", `{"inner":{"a":1},"inner":{"c":[1]}}`},
		{"case-insensitive name", `{"I":1}`},
		{"escaped case-insensitive name", `{"\u0049":1}`},
		{"fold of s", `{"ſ":1}`},
		{"a method refuses", `{"up":"bad"}`},
		{"a wrong json.Number", `{"num":"x"}`},
		{"embedded pointer", `{"x":1}`},
		{",string field", `{"quoted":{"q":"x"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v fdAll
			var buf []byte
			assert.False(t, dec.decodeBody([]byte(tt.doc), unsafe.Pointer(&v), &buf))
		})
	}
}

func TestFastDecoderOf(t *testing.T) {
	type unnamedPromoted struct {
		Body struct{ time.Time }
	}
	tests := []struct {
		name string
		typ  reflect.Type
		fast bool
	}{
		{"struct", reflect.TypeFor[fdAll](), true},
		{"pointer to struct", reflect.TypeFor[*fdAll](), true},
		{"slice", reflect.TypeFor[[]fdInner](), true},
		{"scalar", reflect.TypeFor[int](), true},
		{"a type with UnmarshalJSON", reflect.TypeFor[time.Time](), false},
		{"a type with UnmarshalText", reflect.TypeFor[upper](), false},
		{"map", reflect.TypeFor[map[string]int](), false},
		{"interface", reflect.TypeFor[any](), false},
		{"bytes", reflect.TypeFor[[]byte](), false},
		// encoding/json ignores the promoted method of an unnamed struct in
		// place, and calls it through a pointer.
		{"unnamed struct with a promoted method", reflect.TypeFor[unnamedPromoted]().Field(0).Type, false},
		{"field of unnamed struct with a promoted method", reflect.TypeFor[struct {
			F struct{ time.Time } `json:"f"`
		}](), false},
		{"struct with a ,string field", reflect.TypeFor[fdQuoted](), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.fast, fastDecoderOf(tt.typ) != nil)
		})
	}
}

// TestFastDecodeNamesFolded checks the names the decoder refuses to match
// itself: those encoding/json matches case-insensitively, Unicode folds
// included (K, the Kelvin sign, folds to k).
func TestFastDecodeNamesFolded(t *testing.T) {
	type kelvin struct {
		K    int `json:"k"`
		Name int `json:"name"`
	}
	dec := fastDecoderOf(reflect.TypeFor[kelvin]())
	require.NotNil(t, dec)
	for _, doc := range []string{`{"K":1}`, "{\"\u212a\":1}", `{"NAME":2}`, `{"nAmE":2}`, `{"k":1,"name":2,"nam":3}`} {
		decoded := fdCheck[kelvin](t, dec, doc)
		assert.Equal(t, strings.Contains(doc, `"nam"`), decoded, doc)
	}
}

// FuzzFastDecode compares the compiled decoder with encoding/json on
// arbitrary JSON documents.
func FuzzFastDecode(f *testing.F) {
	for _, doc := range fdDocs {
		f.Add([]byte(doc))
	}
	dec := fastDecoderOf(reflect.TypeFor[fdAll]())
	f.Fuzz(func(t *testing.T, doc []byte) {
		if !json.Valid(doc) {
			return
		}
		fdCheck[fdAll](t, dec, string(doc))
	})
}

// TestTypedBodyGiveUp serves bodies the compiled decoder gives up on part
// way: encoding/json then decodes them from a zero Body, so nothing the
// decoder stored before giving up is left.
func TestTypedBodyGiveUp(t *testing.T) {
	type sub struct {
		A int8    `json:"a,omitempty"`
		B *string `json:"b,omitempty"`
	}
	type item struct {
		Name  string   `json:"name"`
		Count int      `json:"count" required:"false"`
		Inner *sub     `json:"inner,omitempty"`
		Tags  []string `json:"tags,omitempty"`
	}
	type in struct{ Body item }
	tests := []struct {
		body string
		want item
	}{
		{`{"name":"a","inner":{"a":1},"tags":["x"],"count":1,"count":2}`, item{Name: "a", Count: 2, Inner: &sub{A: 1}, Tags: []string{"x"}}},
		{`{"name":"a","inner":{"a":1},"tags":["x"],"COUNT":3}`, item{Name: "a", Count: 3, Inner: &sub{A: 1}, Tags: []string{"x"}}},
		{`{"name":"a","inner":{"a":1},"inner":{"b":"x"}}`, item{Name: "a", Inner: &sub{A: 1, B: new("x")}}},
		{`{"name":"a","tags":["x","y"],"tags":["z"]}`, item{Name: "a", Tags: []string{"z"}}},
		{`{"name":"a","count":1e2}`, item{Name: "a", Count: 100}},
	}
	for _, tt := range tests {
		var got *in
		w := typedServe(t, MustTyped(capture(&got), nil), "/g", nil, typedReq{method: http.MethodPost, target: "/g", body: tt.body})
		require.Equal(t, http.StatusOK, w.Code, "%s: %s", tt.body, w.Body.String())
		assert.Equal(t, tt.want, got.Body, tt.body)
	}
}

// The types of the codec agreement tests: optional members of most kinds,
// so that many bodies pass validation and reach the decoder.
type (
	tcItem struct {
		SKU string   `json:"sku" pattern:"^[A-Z]+-[0-9]+$"`
		Qty int8     `json:"qty" minimum:"1"`
		Sub *tcItem  `json:"sub,omitempty"`
		Tag []string `json:"tag,omitempty" maxItems:"2" default:"[\"t\"]"`
	}
	tcBody struct {
		Name  string          `json:"name" minLength:"1"`
		Price float64         `json:"price,omitempty"`
		Count *uint16         `json:"count,omitempty"`
		Items []tcItem        `json:"items,omitempty" maxItems:"3"`
		Meta  map[string]bool `json:"meta,omitempty"`
		Any   any             `json:"any,omitempty"`
		When  *time.Time      `json:"when,omitempty"`
		Kind  string          `json:"kind" enum:"a,b" default:"a"`
		Flag  bool            `json:"flag,omitempty"`
		Ratio float32         `json:"ratio,omitempty"`
	}
	tcIn struct{ Body tcBody }
)

// tcHandlers returns a typed handler echoing its body with the compiled
// codecs, and the same handler with encoding/json's.
func tcHandlers(t testing.TB) (fast, slow http.Handler) {
	fn := func(_ context.Context, in *tcIn) (*tcBody, error) { return &in.Body, nil }
	f := MustTyped(fn, nil)
	require.NotNil(t, f.in.body.fast)
	require.NotNil(t, f.out.fast)
	s := MustTyped(fn, nil)
	s.in.body.fast, s.out.fast = nil, nil
	rt, rs := New(nil), New(nil)
	rt.Post("/c", f)
	rs.Post("/c", s)
	return rt, rs
}

// tcAgree serves body to both handlers and requires the same answer.
func tcAgree(t testing.TB, fast, slow http.Handler, body string) int {
	serve := func(h http.Handler) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/c", strings.NewReader(body)))
		return w
	}
	wf, ws := serve(fast), serve(slow)
	require.Equal(t, ws.Code, wf.Code, body)
	require.Equal(t, ws.Header(), wf.Header(), body)
	require.Equal(t, ws.Body.String(), wf.Body.String(), body)
	return wf.Code
}

var tcBodies = []string{
	`{"name":"n"}`,
	`{"name":"<b>&</b>\u2028","price":1e21,"count":65535,"items":[{"sku":"A-1","qty":1,"sub":{"sku":"B-2","qty":127,"tag":[]}}],` +
		`"meta":{"x":true},"any":[1,"a",{"b":null}],"when":"2024-01-01T00:00:00+01:00","kind":"b","flag":true,"ratio":1e-7}`,
	`{"name":"n","count":65536}`, `{"name":"n","count":-1}`, `{"name":"n","count":1.0}`, `{"name":"n","count":1e2}`,
	`{"name":"n","items":[{"sku":"A-1","qty":1.0},{"sku":"A-2","qty":2e1}]}`, `{"name":"n","items":[{"sku":"A-1","qty":300}]}`,
	`{"name":"n","price":1e400}`, `{"name":"n","ratio":1e39}`, `{"name":"n","name":"m"}`, `{"name":"n","NAME":"m"}`,
	`{"name":"n","Price":2}`, `{"name":"n","when":null,"count":null,"items":null,"meta":null,"any":null}`,
	`{"name":"n","when":"yesterday"}`, `{"name":"n","meta":{"a":1}}`, `{"name":"n","extra":{"deep":[1,2,{"x":"}"}]}}`,
	`{"name":"\ud800\udc00\ud800 \\ \" \/ \b\f\n\r\t \u0000","kind":"a"}`, "{\"name\":\"bad \xff utf8\"}",
	` { "name" : "spaces" , "items" : [ ] } `, `{"name":""}`, `{}`, `null`, `[]`, `{"name":"n",}`, ``,
	`{"name":"n","items":[{"sku":"A-1","qty":1,"tag":["a","b"]},{"sku":"A-1","qty":1,"tag":null}]}`,
}

// TestTypedCodecsAgree serves bodies, valid and not, to a handler with the
// compiled codecs and to one without: the answers are the same bytes.
func TestTypedCodecsAgree(t *testing.T) {
	fast, slow := tcHandlers(t)
	ok := 0
	for _, body := range tcBodies {
		if tcAgree(t, fast, slow, body) == http.StatusOK {
			ok++
		}
	}
	assert.GreaterOrEqual(t, ok, 10, "most bodies should be valid")
}

// FuzzTypedCodecs is TestTypedCodecsAgree on arbitrary bodies.
func FuzzTypedCodecs(f *testing.F) {
	for _, body := range tcBodies {
		f.Add(body)
	}
	fast, slow := tcHandlers(f)
	f.Fuzz(func(t *testing.T, body string) {
		tcAgree(t, fast, slow, body)
	})
}
