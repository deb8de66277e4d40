package typed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/internal/testkit"
	"github.com/dynroute/dynroute/jsonschema"
	"github.com/julienschmidt/httprouter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// typedReq describes one request of a test table.
type typedReq struct {
	method, target, body string
	header               map[string]string
}

// typedServe serves req with h added to a new Router at pattern (for the
// request's method) with opts.
func typedServe(t *testing.T, h http.Handler, pattern string, opts *dynroute.RouteOptions, req typedReq) *httptest.ResponseRecorder {
	t.Helper()
	method := req.method
	if method == "" {
		method = http.MethodGet
	}
	rt := dynroute.New(nil)
	require.NoError(t, rt.AddAPIRoute(pattern, []string{method}, h, opts))
	var body io.Reader
	if req.body != "" {
		body = strings.NewReader(req.body)
	}
	r := httptest.NewRequest(method, req.target, body)
	for k, v := range req.header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	rt.ServeHTTP(w, r)
	return w
}

// typedGolden compares an answer with testdata/typed/name.golden: the
// status and Content-Type on the first line, then the body indented.
func typedGolden(t *testing.T, name string, w *httptest.ResponseRecorder) {
	t.Helper()
	var got bytes.Buffer
	fmt.Fprintf(&got, "%d %s\n", w.Code, w.Header().Get("Content-Type"))
	if json.Valid(w.Body.Bytes()) {
		got.Write(testkit.IndentJSON(t, bytes.TrimSpace(w.Body.Bytes())))
	} else {
		got.Write(w.Body.Bytes())
	}
	testkit.Golden(t, filepath.Join("testdata", name+".golden"), got.Bytes())
}

// echo answers with its input, encoded as JSON. (Not *In itself: an input
// type's header tags mean something else on an output type.)
func echo[In any](_ context.Context, in *In) (*json.RawMessage, error) {
	b, err := json.Marshal(in)
	m := json.RawMessage(b)
	return &m, err
}

// capture returns a handler function that stores its input in *got.
func capture[In any](got **In) func(context.Context, *In) (*struct{}, error) {
	return func(_ context.Context, in *In) (*struct{}, error) {
		*got = in
		return &struct{}{}, nil
	}
}

// upper is an encoding.TextUnmarshaler and TextMarshaler: it upper-cases
// its text and refuses "bad".
type upper struct{ s string }

func (u *upper) UnmarshalText(b []byte) error {
	if string(b) == "bad" {
		return errors.New("bad is not allowed")
	}
	u.s = strings.ToUpper(string(b))
	return nil
}

func (u upper) MarshalText() ([]byte, error) { return []byte(u.s), nil }

type level int8

type kindsIn struct {
	P     uint16     `path:"p"`
	S     string     `query:"s"`
	B     bool       `query:"b"`
	I     int        `query:"i"`
	I8    int8       `query:"i8"`
	I16   int16      `query:"i16"`
	I32   int32      `query:"i32"`
	I64   int64      `query:"i64"`
	U     uint       `query:"u"`
	U8    uint8      `query:"u8"`
	U16   uint16     `query:"u16"`
	U32   uint32     `query:"u32"`
	U64   uint64     `query:"u64"`
	F32   float32    `query:"f32"`
	F64   float64    `query:"f64"`
	T     time.Time  `query:"t"`
	Txt   upper      `query:"txt"`
	Addr  netip.Addr `query:"addr"`
	Lvl   level      `query:"lvl"`
	PI    *int       `query:"pi"`
	PS    *string    `query:"ps"`
	PT    *upper     `query:"pt"`
	PTime *time.Time `query:"ptime"`
	SS    []string   `query:"ss"`
	SI    []int      `query:"si"`
	SU    []upper    `query:"su"`
	SL    []level    `query:"sl"`
	H     string     `header:"X-H"`
	HI    *int       `header:"x-num"`
	HS    []int      `header:"X-List"`
	C     string     `cookie:"c"`
	CI    int        `cookie:"ci"`
	D     int        `query:"d" default:"7"`
	DS    []string   `query:"ds" default:"a,b"`
	DP    *float64   `query:"dp" default:"0.5"`
	DT    upper      `query:"dt" default:"x"`
	pager
}

// pager is a parameter group shared by embedding.
type pager struct {
	Page int `query:"page" default:"1" minimum:"1"`
}

func TestTypedBindKinds(t *testing.T) {
	when := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	tests := []struct {
		name string
		req  typedReq
		want kindsIn
	}{{
		name: "every kind",
		req: typedReq{
			target: "/k/65535?s=a%20b+c&b=true&i=-1&i8=-128&i16=32767&i32=-5&i64=9223372036854775807" +
				"&u=1&u8=255&u16=2&u32=4294967295&u64=18446744073709551615&f32=1.5&f64=-2e-3" +
				"&t=2024-05-06T07:08:09Z&txt=abc&addr=10.0.0.1&lvl=-3&pi=0&ps=&pt=q&ptime=2024-05-06T07:08:09Z" +
				"&ss=x,y&ss=z&si=1&si=2,3&su=a,b&sl=1,2&d=8&ds=c&dp=1&dt=y&page=3",
			header: map[string]string{"X-H": "h", "X-Num": "5", "X-List": "1, 2,3", "Cookie": `c=v; ci="42"; other=1`},
		},
		want: kindsIn{
			P: 65535, S: "a b c", B: true, I: -1, I8: -128, I16: 32767, I32: -5, I64: math.MaxInt64,
			U: 1, U8: 255, U16: 2, U32: math.MaxUint32, U64: math.MaxUint64, F32: 1.5, F64: -2e-3,
			T: when, Txt: upper{"ABC"}, Addr: netip.MustParseAddr("10.0.0.1"), Lvl: -3,
			PI: ptr(0), PS: ptr(""), PT: &upper{"Q"}, PTime: &when,
			SS: []string{"x", "y", "z"}, SI: []int{1, 2, 3}, SU: []upper{{"A"}, {"B"}}, SL: []level{1, 2},
			H: "h", HI: ptr(5), HS: []int{1, 2, 3}, C: "v", CI: 42,
			D: 8, DS: []string{"c"}, DP: ptr(1.0), DT: upper{"Y"}, pager: pager{Page: 3},
		},
	}, {
		name: "defaults and nothing else",
		req:  typedReq{target: "/k/1"},
		want: kindsIn{P: 1, D: 7, DS: []string{"a", "b"}, DP: ptr(0.5), DT: upper{"X"}, pager: pager{Page: 1}},
	}, {
		name: "a scalar takes the first value, unknown and malformed pairs are skipped",
		req:  typedReq{target: "/k/1?i=1&i=2&zz=9&;i=5&%zz=1&s=first&s=second&&b=1"},
		want: kindsIn{P: 1, I: 1, S: "first", B: true, D: 7, DS: []string{"a", "b"}, DP: ptr(0.5), DT: upper{"X"}, pager: pager{Page: 1}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *kindsIn
			h, err := New(capture(&got), nil)
			require.NoError(t, err)
			w := typedServe(t, h, "/k/{p}", nil, tt.req)
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			require.NotNil(t, got)
			assert.Equal(t, tt.want, *got)
		})
	}
}

// constraintsIn has one parameter per validation keyword.
type constraintsIn struct {
	ID     int64     `path:"id" minimum:"1" maximum:"1000"`
	Above  float64   `query:"above" exclusiveMinimum:"0"`
	Below  float64   `query:"below" exclusiveMaximum:"1.5"`
	Name   string    `query:"name" minLength:"2" maxLength:"4"`
	Code   string    `query:"code" pattern:"^[A-Z]{3}$"`
	Color  string    `query:"color" enum:"red,green,blue"`
	Size   int       `query:"size" enum:"1,2,3"`
	Email  string    `query:"email" format:"email"`
	UUID   string    `query:"uuid" format:"uuid"`
	When   string    `query:"when" format:"date-time"`
	Site   string    `query:"site" format:"uri"`
	Tags   []string  `query:"tags" minItems:"2" maxItems:"3" maxLength:"3"`
	Token  string    `header:"X-Token" required:"true"`
	Trace  *string   `header:"X-Trace"`
	Sess   string    `cookie:"session" required:"true" minLength:"8"`
	Small  int8      `query:"small"`
	Count  uint      `query:"count"`
	Ratio  float32   `query:"ratio"`
	Flag   bool      `query:"flag"`
	Yes    *bool     `query:"yes" enum:"true"`
	Stamp  time.Time `query:"stamp"`
	Text   upper     `query:"text"`
	Items  []int     `query:"items"`
	Needed string    `query:"needed" required:"true"`
}

func TestTypedBindErrors(t *testing.T) {
	all := "/c/0?above=0&below=1.5&name=a&code=abc&color=pink&size=4&email=a@@b&uuid=123&when=yesterday" +
		"&site=/relative&tags=a&small=128&count=-1&ratio=1e39&flag=maybe&stamp=2024-13-01T00:00:00Z" +
		"&text=bad&items=1,x,3&yes=0"
	tests := []struct {
		golden string
		req    typedReq
	}{
		{"bind_every_field", typedReq{target: all, header: map[string]string{"Cookie": "session=short"}}},
		{"bind_path_not_integer", typedReq{target: "/c/abc?needed=1", header: map[string]string{"X-Token": "t", "Cookie": "session=12345678"}}},
		{"bind_missing_required", typedReq{target: "/c/5"}},
		{"bind_too_many_items", typedReq{target: "/c/5?needed=1&tags=a,b&tags=c,dddd", header: map[string]string{"X-Token": "t", "Cookie": "session=12345678"}}},
		{"bind_out_of_range", typedReq{target: "/c/1001?needed=1&count=18446744073709551616&small=-129&ratio=-1e400", header: map[string]string{"X-Token": "t", "Cookie": "session=12345678"}}},
		{"bind_bad_escape", typedReq{target: "/c/5?needed=%zz", header: map[string]string{"X-Token": "t", "Cookie": "session=12345678"}}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			h, err := New(echo[constraintsIn], nil)
			require.NoError(t, err)
			w := typedServe(t, h, "/c/{id}", nil, tt.req)
			assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
			typedGolden(t, tt.golden, w)
		})
	}
	t.Run("valid", func(t *testing.T) {
		h, err := New(echo[constraintsIn], nil)
		require.NoError(t, err)
		w := typedServe(t, h, "/c/{id}", nil, typedReq{
			target: "/c/1000?above=0.1&below=1.4&name=ab&code=ABC&color=red&size=2&email=a@b.org" +
				"&uuid=123e4567-e89b-12d3-a456-426614174000&when=2024-01-01T00:00:00%2B01:00&site=https://x.org/a" +
				"&tags=a,b&tags=c&needed=",
			header: map[string]string{"X-Token": "t", "Cookie": "session=12345678"},
		})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		var got map[string]any
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
		assert.Equal(t, "2024-01-01T00:00:00+01:00", got["When"])
		assert.Equal(t, []any{"a", "b", "c"}, got["Tags"])
	})
}

// Body types for the validation tables.
type (
	vbAddress struct {
		Street string `json:"street" minLength:"1"`
		Zip    string `json:"zip" pattern:"^[0-9]{5}$"`
	}
	vbItem struct {
		SKU   string  `json:"sku" format:"uuid"`
		Qty   int     `json:"qty" minimum:"1" maximum:"99"`
		Price float64 `json:"price" exclusiveMinimum:"0"`
	}
	vbOrder struct {
		Email    string            `json:"email" format:"email"`
		Site     string            `json:"site,omitempty" format:"uri"`
		When     time.Time         `json:"when"`
		Status   string            `json:"status" enum:"new,paid" default:"new"`
		Note     *string           `json:"note" maxLength:"5"`
		Ratio    float64           `json:"ratio,omitempty" exclusiveMaximum:"1"`
		Small    int8              `json:"small,omitempty"`
		Big      []int64           `json:"big,omitempty"`
		Items    []vbItem          `json:"items" minItems:"1" maxItems:"2"`
		Address  *vbAddress        `json:"address,omitempty"`
		Meta     map[string]uint16 `json:"meta,omitempty"`
		Tags     []string          `json:"tags,omitempty" maxLength:"3"`
		Optional string            `json:"optional" required:"false"`
	}
	vbIn struct {
		Body vbOrder
	}
)

const vbValid = `{"email":"a@b.org","when":"2024-01-01T00:00:00Z","note":null,"items":[{"sku":"123e4567-e89b-12d3-a456-426614174000","qty":1,"price":0.5}]}`

func TestTypedValidateBody(t *testing.T) {
	tests := []struct {
		golden string
		body   string
		opts   *Options
		header map[string]string
	}{
		{"body_every_field", `{"email":"nope","site":"rel/x","when":"2024-02-30T00:00:00Z","status":"lost","note":"toolong",` +
			`"ratio":1,"small":300,"items":[{"sku":"x","qty":0,"price":0},{"qty":1.5,"price":"1"},{}],` +
			`"address":{"street":"","zip":"1234"},"meta":{"a":-1,"b":70000},"tags":["abcd",5]}`, nil, nil},
		{"body_wrong_types", `{"email":1,"when":true,"status":null,"note":5,"items":{},"address":[],"meta":[],"tags":"a"}`, nil, nil},
		{"body_not_object", `[1,2]`, nil, nil},
		{"body_null", `null`, nil, nil},
		{"body_missing", ``, nil, nil},
		{"body_json_invalid", `{"email":"a@b.org",}`, nil, nil},
		{"body_json_trailing", `{} {}`, nil, nil},
		{"body_extra_forbidden", `{"email":"a@b.org","when":"2024-01-01T00:00:00Z","note":null,"items":[{"sku":"123e4567-e89b-12d3-a456-426614174000","qty":1,"price":0.5,"colour":"red"}],"x":1}`,
			&Options{DisallowUnknownFields: true}, nil},
		{"body_decode_after_validation", `{"email":"a@b.org","when":"2024-01-01T00:00:00Z","note":null,"items":[{"sku":"123e4567-e89b-12d3-a456-426614174000","qty":1,"price":0.5}],"big":[1,1e30]}`, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			h, err := New(echo[vbIn], tt.opts)
			require.NoError(t, err)
			w := typedServe(t, h, "/orders", nil, typedReq{method: http.MethodPost, target: "/orders", body: tt.body, header: tt.header})
			assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
			typedGolden(t, tt.golden, w)
		})
	}
	t.Run("valid, with defaults filled in", func(t *testing.T) {
		var got *vbIn
		h, err := New(capture(&got), nil)
		require.NoError(t, err)
		w := typedServe(t, h, "/orders", nil, typedReq{method: http.MethodPost, target: "/orders", body: vbValid})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.Equal(t, "new", got.Body.Status)
		assert.Equal(t, 0.5, got.Body.Items[0].Price)
	})
	t.Run("integral numbers in any form fill integers", func(t *testing.T) {
		var got *vbIn
		h, err := New(capture(&got), nil)
		require.NoError(t, err)
		for body, want := range map[string]int{`1.0`: 1, `2e1`: 20, `3.00E+1`: 30, `-0.0`: 0, `0.5e1`: 5, `99`: 99, `-1.0`: -1} {
			w := typedServe(t, h, "/orders", nil, typedReq{method: http.MethodPost, target: "/orders",
				body: strings.Replace(vbValid, `"qty":1`, `"qty":`+body, 1)})
			if want < 1 {
				assert.Equal(t, http.StatusUnprocessableEntity, w.Code, body)
				continue
			}
			require.Equal(t, http.StatusOK, w.Code, "%s: %s", body, w.Body.String())
			assert.Equal(t, want, got.Body.Items[0].Qty, body)
		}
	})
	t.Run("a value the type refuses to unmarshal", func(t *testing.T) {
		type in struct {
			Body struct {
				Code upper `json:"code"`
			}
		}
		w := typedServe(t, Must(echo[in], nil), "/u", nil, typedReq{method: http.MethodPost, target: "/u", body: `{"code":"bad"}`})
		assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
		// Located at the member, with its value: the decoder says where.
		assert.Contains(t, w.Body.String(), `{"loc":["body","code"],"msg":"Value error, bad is not allowed","type":"value_error","input":"bad"}`)
		w = typedServe(t, Must(echo[in], nil), "/u", nil, typedReq{method: http.MethodPost, target: "/u", body: `{"code":"ok"}`})
		assert.Equal(t, `{"Body":{"code":"OK"}}`+"\n", w.Body.String())
	})
	t.Run("member names match exactly, as they are validated", func(t *testing.T) {
		type in struct {
			Body struct {
				Name  string `json:"name" maxLength:"3"`
				Count int    `json:"count,omitempty"`
			}
		}
		var got *in
		h := Must(capture(&got), nil)
		// encoding/json would fill Name from "NAME" and Count from "COUNT",
		// past the maxLength the validator checked on "name" only.
		w := typedServe(t, h, "/u", nil, typedReq{method: http.MethodPost, target: "/u", body: `{"name":"ab","NAME":"too long","COUNT":7}`})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.Equal(t, "ab", got.Body.Name)
		assert.Zero(t, got.Body.Count)
	})
	t.Run("unknown members are allowed by default", func(t *testing.T) {
		h, err := New(echo[vbIn], nil)
		require.NoError(t, err)
		w := typedServe(t, h, "/orders", nil, typedReq{method: http.MethodPost, target: "/orders",
			body: strings.Replace(vbValid, `{"email"`, `{"extra":[1,{"a":2}],"email"`, 1)})
		assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
	})
}

// nestedDefaults has defaults at several depths, also inside slices.
type nestedDefaults struct {
	Name  string `json:"name" default:"anon"`
	Inner struct {
		Level int     `json:"level" default:"3"`
		Ratio float64 `json:"ratio" default:"0.25"`
		On    *bool   `json:"on" default:"true"`
	} `json:"inner"`
	Items []struct {
		Kind string `json:"kind" default:"plain"`
	} `json:"items"`
	Tags []string `json:"tags" default:"[\"x\",\"y\"]"`
}

func TestTypedBodyDefaults(t *testing.T) {
	type in struct{ Body nestedDefaults }
	tests := []struct {
		body string
		want string
	}{
		{`{"inner":{},"items":[{},{"kind":"k"}]}`, `{"name":"anon","inner":{"level":3,"ratio":0.25,"on":true},"items":[{"kind":"plain"},{"kind":"k"}],"tags":["x","y"]}`},
		{`{"name":"n","inner":{"level":0,"on":false},"items":[],"tags":[]}`, `{"name":"n","inner":{"level":0,"ratio":0.25,"on":false},"items":[],"tags":[]}`},
		{` { "inner" : { "ratio" : 1 } , "items" : [ ] } `, `{"name":"anon","inner":{"level":3,"ratio":1,"on":true},"items":[],"tags":["x","y"]}`},
	}
	for _, tt := range tests {
		var got *in
		h, err := New(capture(&got), nil)
		require.NoError(t, err)
		w := typedServe(t, h, "/d", nil, typedReq{method: http.MethodPost, target: "/d", body: tt.body})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		b, err := json.Marshal(got.Body)
		require.NoError(t, err)
		assert.JSONEq(t, tt.want, string(b), tt.body)
	}
}

func TestTypedBodyTransport(t *testing.T) {
	type in struct {
		Body struct {
			A string `json:"a"`
		}
	}
	type optional struct {
		Body *struct {
			A string `json:"a"`
		}
	}
	small := &Options{MaxBodyBytes: 10}
	tests := []struct {
		name     string
		h        http.Handler
		body     io.Reader
		length   int64 // -1: unknown, as with chunked encoding
		ct       string
		want     int
		wantBody string
	}{
		{"declared too large", Must(echo[in], small), strings.NewReader(`{"a":"0123456789"}`), 18, "", 413, "larger than 10 bytes"},
		{"streamed too large", Must(echo[in], small), strings.NewReader(`{"a":"0123456789"}`), -1, "", 413, "larger than 10 bytes"},
		{"at the limit", Must(echo[in], small), strings.NewReader(`{"a":"01"}`), -1, "", 200, `"a":"01"`},
		{"no limit", Must(echo[in], &Options{MaxBodyBytes: -1}), strings.NewReader(`{"a":"` + strings.Repeat("x", 2<<20) + `"}`), -1, "", 200, `"a":"xx`},
		{"not JSON", Must(echo[in], nil), strings.NewReader(`a=1`), -1, "application/x-www-form-urlencoded", 415, "must be application/json"},
		{"JSON with charset", Must(echo[in], nil), strings.NewReader(`{"a":"b"}`), -1, "application/json; charset=utf-8", 200, `"a":"b"`},
		{"a +json type", Must(echo[in], nil), strings.NewReader(`{"a":"b"}`), -1, "application/merge-patch+json", 200, `"a":"b"`},
		{"read error", Must(echo[in], nil), io.MultiReader(strings.NewReader(`{"a"`), iotestErrReader{}), -1, "", 400, "reading the request body failed"},
		{"optional body, none given", Must(echo[optional], nil), nil, 0, "", 200, `"Body":null`},
		{"optional body, null", Must(echo[optional], nil), strings.NewReader(`null`), -1, "", 200, `"Body":null`},
		{"optional body, given", Must(echo[optional], nil), strings.NewReader(`{"a":"b"}`), -1, "", 200, `"a":"b"`},
		{"required body, none given", Must(echo[in], nil), nil, 0, "", 422, `"type":"missing"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/b", tt.body)
			r.ContentLength = tt.length
			if tt.ct != "" {
				r.Header.Set("Content-Type", tt.ct)
			}
			w := httptest.NewRecorder()
			rt := dynroute.New(nil)
			rt.Post("/b", tt.h)
			rt.ServeHTTP(w, r)
			assert.Equal(t, tt.want, w.Code, w.Body.String())
			assert.Contains(t, w.Body.String(), tt.wantBody)
			if tt.want >= 400 {
				assert.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
			}
		})
	}
}

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

type createdOut struct {
	ID       int64      `json:"id"`
	Location string     `header:"Location" json:"-"`
	Count    int        `header:"X-Count" json:"-"`
	Modified time.Time  `header:"Last-Modified" json:"-"`
	Etag     *string    `header:"ETag" json:"-"`
	Vary     []string   `header:"Vary" json:"-"`
	Lang     upper      `header:"Content-Language" json:"-"`
	Ratio    *float32   `header:"X-Ratio" json:"-"`
	Flag     bool       `header:"X-Flag" json:"-"`
	Big      uint64     `header:"X-Big" json:"-"`
	Small    int8       `header:"X-Small" json:"-"`
	Opt      *time.Time `header:"Expires" json:"-"`
}

func TestTypedAnswers(t *testing.T) {
	full := &createdOut{ID: 7, Location: "/items/7", Count: 3, Modified: time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)),
		Vary: []string{"Accept", "Cookie"}, Lang: upper{"EN"}, Ratio: ptr[float32](0.5), Flag: true, Big: math.MaxUint64, Small: -1}
	fixed := func(out *createdOut) func(context.Context, *struct{}) (*createdOut, error) {
		return func(context.Context, *struct{}) (*createdOut, error) { return out, nil }
	}
	tests := []struct {
		name       string
		out        *createdOut
		opts       *Options
		route      *dynroute.RouteOptions
		method     string
		wantStatus int
		wantBody   string
		wantHeader http.Header
	}{
		{"route status and headers", full, nil, &dynroute.RouteOptions{StatusCode: 201}, "POST", 201, `{"id":7}` + "\n", http.Header{
			"Content-Type": {"application/json"}, "X-Content-Type-Options": {"nosniff"}, "Location": {"/items/7"}, "X-Count": {"3"},
			"Last-Modified": {"Tue, 02 Jan 2024 02:04:05 GMT"}, "Vary": {"Accept", "Cookie"}, "Content-Language": {"EN"},
			"X-Ratio": {"0.5"}, "X-Flag": {"true"}, "X-Big": {"18446744073709551615"}, "X-Small": {"-1"},
		}},
		{"handler status when the route has none", &createdOut{ID: 1}, &Options{StatusCode: 202}, nil, "POST", 202, `{"id":1}` + "\n", http.Header{
			"Content-Type": {"application/json"}, "X-Content-Type-Options": {"nosniff"}, "X-Count": {"0"}, "X-Flag": {"false"}, "X-Big": {"0"}, "X-Small": {"0"},
		}},
		{"route status beats handler status", &createdOut{ID: 1}, &Options{StatusCode: 202}, &dynroute.RouteOptions{StatusCode: 200}, "POST", 200, `{"id":1}` + "\n", nil},
		{"nil answer is 204", nil, nil, &dynroute.RouteOptions{StatusCode: 201}, "POST", 204, "", http.Header{}},
		{"204 writes headers, no body", &createdOut{ID: 1, Location: "/x"}, &Options{StatusCode: 204}, nil, "DELETE", 204, "", nil},
		{"HEAD by a GET route", &createdOut{ID: 1}, nil, nil, "GET", 200, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := New(fixed(tt.out), tt.opts)
			require.NoError(t, err)
			rt := dynroute.New(nil)
			require.NoError(t, rt.AddAPIRoute("/a", []string{tt.method}, h, tt.route))
			method := tt.method
			if tt.name == "HEAD by a GET route" {
				method = http.MethodHead
			}
			srv := httptest.NewServer(rt)
			defer srv.Close()
			req, err := http.NewRequest(method, srv.URL+"/a", nil)
			require.NoError(t, err)
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assert.Equal(t, tt.wantBody, string(body))
			if tt.name == "204 writes headers, no body" {
				assert.Equal(t, "/x", resp.Header.Get("Location"))
				assert.Empty(t, resp.Header.Get("Content-Type"))
			}
			if tt.wantHeader != nil {
				for _, k := range []string{"Date", "Content-Length"} {
					resp.Header.Del(k)
				}
				assert.Equal(t, tt.wantHeader, resp.Header)
			}
		})
	}
}

// teapot is an error type of an application with its own StatusCode.
type teapot struct{ status int }

func (e teapot) Error() string   { return "teapot error " + strconv.Itoa(e.status) }
func (e teapot) StatusCode() int { return e.status }

var errSentinel = errors.New("sentinel")

func TestTypedHandlerErrors(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantDetail string // "" means the problem has no detail
		wantLogged bool
	}{
		{"Error", NewError(http.StatusNotFound, "no product 42"), 404, "no product 42", false},
		{"Errorf", Errorf(http.StatusConflict, "sku %s is taken: %w", "A-1", errSentinel), 409, "sku A-1 is taken: sentinel", false},
		{"wrapped", fmt.Errorf("loading: %w", NewError(http.StatusForbidden, "not yours")), 403, "not yours", false},
		{"own type below 500 shows its text", teapot{418}, 418, "teapot error 418", false},
		{"own type of 5xx hides its text", teapot{503}, 503, "", true},
		{"status out of range", teapot{200}, 500, "", true},
		{"plain error", errors.New("db password is hunter2"), 500, "", true},
		{"Error with 5xx shows its detail", NewError(http.StatusServiceUnavailable, "try later"), 503, "try later", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&log, nil))
			h, err := New(func(context.Context, *struct{}) (*struct{}, error) { return nil, tt.err }, &Options{Logger: logger})
			require.NoError(t, err)
			w := typedServe(t, h, "/e", nil, typedReq{target: "/e"})
			assert.Equal(t, tt.wantStatus, w.Code)
			assert.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
			var p dynroute.Problem
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
			assert.Equal(t, dynroute.Problem{Type: "about:blank", Title: http.StatusText(tt.wantStatus), Status: tt.wantStatus, Detail: tt.wantDetail}, p)
			assert.NotContains(t, w.Body.String(), "hunter2")
			if tt.wantLogged {
				assert.Contains(t, log.String(), tt.err.Error())
				assert.Contains(t, log.String(), "route=/e")
			} else {
				assert.Empty(t, log.String())
			}
		})
	}
	t.Run("Errorf wraps for errors.Is", func(t *testing.T) {
		err := Errorf(http.StatusConflict, "x: %w", errSentinel)
		assert.ErrorIs(t, err, errSentinel)
		assert.Equal(t, http.StatusConflict, StatusOf(err))
		assert.Equal(t, "409 Conflict: x: sentinel", err.Error())
		other := errors.New("other")
		err = Errorf(http.StatusBadGateway, "%w and %w", errSentinel, other)
		assert.ErrorIs(t, err, errSentinel)
		assert.ErrorIs(t, err, other)
		err = &StatusError{Status: http.StatusBadRequest, Detail: "reading the request body failed", Err: other}
		assert.Equal(t, "400 Bad Request: reading the request body failed: other", err.Error())
	})
}

func TestTypedErrorHandlerReplaced(t *testing.T) {
	type in struct {
		N int `query:"n"`
	}
	var seen []error
	opts := &Options{ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
		seen = append(seen, err)
		w.WriteHeader(StatusOf(err))
		fmt.Fprint(w, "custom")
	}}
	h, err := New(func(_ context.Context, in *in) (*struct{}, error) {
		return nil, NewError(http.StatusGone, "gone")
	}, opts)
	require.NoError(t, err)
	w := typedServe(t, h, "/w", nil, typedReq{target: "/w?n=x"})
	assert.Equal(t, 422, w.Code)
	assert.Equal(t, "custom", w.Body.String())
	w = typedServe(t, h, "/w", nil, typedReq{target: "/w?n=1"})
	assert.Equal(t, 410, w.Code)
	require.Len(t, seen, 2)
	ve, ok := errors.AsType[*ValidationError](seen[0])
	require.True(t, ok)
	assert.Equal(t, []any{"query", "n"}, ve.Errors[0].Loc)
	assert.Equal(t, `dynroute: 1 validation error: query.n: Input should be a valid integer, unable to parse string as an integer`, ve.Error())
}

func TestTypedEncodeError(t *testing.T) {
	type out struct {
		F        float64 `json:"f"`
		Location string  `header:"Location" json:"-"`
	}
	var log bytes.Buffer
	h := Must(func(context.Context, *struct{}) (*out, error) {
		return &out{F: math.NaN(), Location: "/x"}, nil
	}, &Options{Logger: slog.New(slog.NewTextHandler(&log, nil))})
	w := typedServe(t, h, "/n", nil, typedReq{target: "/n"})
	assert.Equal(t, 500, w.Code)
	assert.Empty(t, w.Header().Get("Location"), "no header of an answer that failed")
	assert.Contains(t, log.String(), "unsupported value: NaN")
}

func TestTypedRequestField(t *testing.T) {
	type in struct {
		Req *http.Request
		ID  int `path:"id"`
	}
	h := Must(func(_ context.Context, in *in) (*map[string]any, error) {
		return &map[string]any{"method": in.Req.Method, "pattern": in.Req.Pattern, "id": in.ID}, nil
	}, nil)
	w := typedServe(t, h, "/r/{id}", nil, typedReq{method: http.MethodPut, target: "/r/3"})
	assert.Equal(t, `{"id":3,"method":"PUT","pattern":"/r/{id}"}`+"\n", w.Body.String())
	assert.Empty(t, h.DescribeOperation().Parameters[1:], "the request is no parameter")
}

// TestHyphenatedPathParameter: a path parameter named as OpenAPI documents
// allow ({role-name}, Keycloak's) binds by its tag, and r.PathValue and the
// document use the name as written.
func TestHyphenatedPathParameter(t *testing.T) {
	type in struct {
		Role string `path:"role-name" minLength:"2"`
	}
	h := Must(echo[in], nil)
	rt := dynroute.New(nil)
	require.NoError(t, rt.AddAPIRoute("/roles/{role-name}", []string{"GET"}, h, nil))
	rt.Get("/plain/{role-name}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(r.PathValue("role-name")))
	}))
	assert.JSONEq(t, `{"Role":"admin"}`, testkit.Serve(rt, "GET", "/roles/admin").Body.String())
	assert.Equal(t, "admin", testkit.Serve(rt, "GET", "/plain/admin").Body.String())
	w := testkit.Serve(rt, "GET", "/roles/a")
	assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
	assert.Contains(t, w.Body.String(), `"loc":["path","role-name"]`)
	doc, err := json.Marshal(rt.OpenAPI())
	require.NoError(t, err)
	assert.Contains(t, string(doc), `"/roles/{role-name}"`)
	testkit.ValidOpenAPI(t, doc)
}

// TestTypedRouteField: a *dynroute.Route field gets the matched route, so
// one handler answers each config entry with its own Extra; nil when no
// Router served the request.
func TestTypedRouteField(t *testing.T) {
	type in struct {
		Route *dynroute.Route
		ID    int `path:"id"`
	}
	h := Must(func(_ context.Context, in *in) (*map[string]any, error) {
		if in.Route == nil {
			return &map[string]any{"route": nil, "id": in.ID}, nil
		}
		return &map[string]any{"route": in.Route.Name, "message": in.Route.Extra["response_message"], "id": in.ID}, nil
	}, nil)
	rt := dynroute.New(nil)
	require.NoError(t, rt.Registry().Register("h", h))
	_, err := rt.AddRoutes([]dynroute.RouteSpec{
		{Name: "a", Path: "/a/{id}", Methods: []string{"GET"}, Handler: "h", Extra: map[string]any{"response_message": "from a"}},
		{Name: "b", Path: "/b/{id}", Methods: []string{"GET"}, Handler: "h", Extra: map[string]any{"response_message": "from b"}},
	}, nil)
	require.NoError(t, err)
	assert.JSONEq(t, `{"route":"a","message":"from a","id":1}`, testkit.Serve(rt, "GET", "/a/1").Body.String())
	assert.JSONEq(t, `{"route":"b","message":"from b","id":2}`, testkit.Serve(rt, "GET", "/b/2").Body.String())
	assert.Empty(t, h.DescribeOperation().Parameters[1:], "the route is no parameter")

	mux := http.NewServeMux()
	mux.Handle("GET /m/{id}", h)
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest("GET", "/m/3", nil))
	assert.JSONEq(t, `{"route":null,"id":3}`, w.Body.String(), "no Router, no route")
}

// TestTypedServeMux serves a typed handler from net/http.ServeMux, where
// path values come from r.PathValue.
func TestTypedServeMux(t *testing.T) {
	type in struct {
		ID   int    `path:"id" minimum:"1"`
		Rest string `path:"rest"`
	}
	mux := http.NewServeMux()
	mux.Handle("GET /items/{id}/{rest...}", Must(echo[in], nil))
	for _, tt := range []struct {
		target string
		want   int
		body   string
	}{
		{"/items/5/a/b", 200, `{"ID":5,"Rest":"a/b"}`},
		{"/items/0/a", 422, `"loc":["path","id"]`},
		{"/items/5/", 422, `"loc":["path","rest"],"msg":"Field required"`},
	} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest("GET", tt.target, nil))
		assert.Equal(t, tt.want, w.Code, tt.target)
		assert.Contains(t, w.Body.String(), tt.body, tt.target)
	}
}

// TestTypedRouterPathValues: through a Router a {rest...} value may be
// empty, which is a present value; a route without a parameter the input
// binds is a mistake of the program, answered 500 and logged.
func TestTypedRouterPathValues(t *testing.T) {
	type in struct {
		Rest string `path:"rest" maxLength:"3"`
	}
	h := Must(echo[in], nil)
	w := typedServe(t, h, "/f/{rest...}", nil, typedReq{target: "/f/"})
	assert.Equal(t, 200, w.Code)
	assert.Equal(t, `{"Rest":""}`+"\n", w.Body.String())
	w = typedServe(t, h, "/f/{rest...}", nil, typedReq{target: "/f/a/bc"})
	assert.Equal(t, 422, w.Code)
	assert.Contains(t, w.Body.String(), `{"loc":["path","rest"],"msg":"String should have at most 3 characters"`)

	require.NoError(t, h.CheckRoute(&dynroute.Route{Path: "/f/{rest...}"}))
	err := h.CheckRoute(&dynroute.Route{Path: "/g/{other}"})
	assert.ErrorIs(t, err, dynroute.ErrInvalidHandler)
	assert.EqualError(t, err, "invalid handler: the typed handler binds path parameter {rest}, which /g/{other} lacks")

	// The Router asks CheckRoute when the route is added and refuses it.
	rt := dynroute.New(nil)
	err = rt.AddAPIRoute("/g/{other}", []string{"GET"}, h, &dynroute.RouteOptions{Name: "g"})
	assert.ErrorIs(t, err, dynroute.ErrInvalidHandler)
	assert.Contains(t, err.Error(), `route "g" GET /g/{other}`)
	assert.Empty(t, rt.Routes())
}

func TestTypedBadTypes(t *testing.T) {
	type ok struct {
		Body struct{ A int }
	}
	tests := []struct {
		name    string
		build   func() error
		wantErr error
		want    []string
	}{
		{"misspelt keyword", typedBuild[struct {
			N string `query:"n" minlength:"1"`
		}], jsonschema.ErrInvalidTag, []string{`field N of struct`, `unknown validation keyword "minlength"; did you mean "minLength"?`}},
		{"pydantic keyword", typedBuild[struct {
			N int `query:"n" ge:"1"`
		}], jsonschema.ErrInvalidTag, []string{`did you mean "minimum"?`}},
		{"minimum on a string", typedBuild[struct {
			N string `query:"n" minimum:"1"`
		}], jsonschema.ErrInvalidTag, []string{`minimum does not apply to a string field`}},
		{"minLength on a number", typedBuild[struct {
			Body struct {
				N int `json:"n" minLength:"1"`
			}
		}], jsonschema.ErrInvalidTag, []string{`field N of struct`, `minLength does not apply to an integer field`}},
		{"pattern does not compile", typedBuild[struct {
			N string `query:"n" pattern:"(a"`
		}], jsonschema.ErrInvalidTag, []string{`pattern "(a" does not compile`}},
		{"unknown format", typedBuild[struct {
			N string `query:"n" format:"ipv4"`
		}], jsonschema.ErrInvalidTag, []string{`unknown format "ipv4"`}},
		{"minimum is not a number", typedBuild[struct {
			N int `query:"n" minimum:"one"`
		}], jsonschema.ErrInvalidTag, []string{`minimum "one" is not a number`}},
		{"minimum above maximum", typedBuild[struct {
			N int `query:"n" minimum:"5" maximum:"1"`
		}], jsonschema.ErrInvalidTag, []string{`minimum 5 is above maximum 1`}},
		{"default does not parse", typedBuild[struct {
			N int `query:"n" default:"x"`
		}], jsonschema.ErrInvalidTag, []string{`default "x": not an integer`}},
		{"default breaks the rules", typedBuild[struct {
			N int `query:"n" default:"0" minimum:"1"`
		}], jsonschema.ErrInvalidTag, []string{`default "0": breaks the field's own rules: Input should be greater than or equal to 1`}},
		{"example breaks the rules", typedBuild[struct {
			Body struct {
				E string `json:"e" format:"email" example:"nope"`
			}
		}], jsonschema.ErrInvalidTag, []string{`example "nope": breaks the field's own rules`}},
		{"enum value does not parse", typedBuild[struct {
			N uint `query:"n" enum:"1,-2"`
		}], jsonschema.ErrInvalidTag, []string{`enum value "-2": not an unsigned integer`}},
		{"required and default", typedBuild[struct {
			N int `query:"n" required:"true" default:"1"`
		}], jsonschema.ErrInvalidTag, []string{`required and default exclude each other`}},
		{"required is not a bool", typedBuild[struct {
			N int `query:"n" required:"yes"`
		}], jsonschema.ErrInvalidTag, []string{`required "yes" is not true or false`}},
		{"path default", typedBuild[struct {
			N int `path:"n" default:"1"`
		}], jsonschema.ErrInvalidTag, []string{`a path parameter cannot have a default`}},
		{"path slice", typedBuild[struct {
			N []int `path:"n"`
		}], jsonschema.ErrInvalidTag, []string{`a path parameter holds one value, not a slice`}},
		{"bad path name", typedBuild[struct {
			N int `path:"a b"`
		}], jsonschema.ErrInvalidTag, []string{`path parameter name "a b"`}},
		{"two bindings", typedBuild[struct {
			N int `path:"n" query:"n"`
		}], jsonschema.ErrInvalidTag, []string{`both path and query tags`}},
		{"bound twice", typedBuild[struct {
			A int `query:"n"`
			B int `query:"n"`
		}], jsonschema.ErrInvalidTag, []string{`query parameter "n" is bound twice`}},
		{"minItems on a scalar", typedBuild[struct {
			N int `query:"n" minItems:"1"`
		}], jsonschema.ErrInvalidTag, []string{`minItems and maxItems apply to slices and arrays`}},
		{"untagged input field", typedBuild[struct {
			N int
		}], jsonschema.ErrInvalidType, []string{`field N of struct { N int }`, `no path, query, header or cookie tag; the JSON body goes in a field named Body, the request in a *http.Request`}},
		{"parameter of struct type", typedBuild[struct {
			N struct{} `query:"n"`
		}], jsonschema.ErrInvalidType, []string{`a parameter is a string, bool, number`}},
		{"unsupported body kind", typedBuild[struct {
			Body struct {
				C chan int `json:"c"`
			}
		}], jsonschema.ErrInvalidType, []string{`field C of struct`, `kind chan has no JSON form`}},
		{"map key", typedBuild[struct {
			Body map[[2]int]string
		}], jsonschema.ErrInvalidType, []string{`map key type [2]int`}},
		{"input not a struct", func() error { _, err := New(echo[int], nil); return err }, jsonschema.ErrInvalidType, []string{`type int: invalid type: the input type must be a struct`}},
		{"embedded pointer", typedBuild[struct {
			*pager
		}], jsonschema.ErrInvalidType, []string{`embedded pointers are not supported`}},
		{"Body limits", typedBuild[struct {
			Body []int `minItems:"1"`
		}], jsonschema.ErrInvalidTag, []string{`the Body field takes doc and required tags only`}},
		{"header field in the JSON body", func() error {
			_, err := New(func(context.Context, *struct{}) (*struct {
				L string `header:"Location"`
			}, error) {
				return nil, nil
			}, nil)
			return err
		}, jsonschema.ErrInvalidType, []string{`a header field must also be tagged json:"-"`}},
		{"header field of a struct", func() error {
			_, err := New(func(context.Context, *struct{}) (*struct {
				L struct{} `header:"X-L" json:"-"`
			}, error) {
				return nil, nil
			}, nil)
			return err
		}, jsonschema.ErrInvalidType, []string{`a header field is a string, bool, number`}},
		{"nil function", func() error { _, err := New[ok, ok](nil, nil); return err }, dynroute.ErrInvalidHandler, []string{"nil function"}},
		{"status code", func() error { _, err := New(echo[ok], &Options{StatusCode: 700}); return err }, ErrInvalidOptions, []string{"700"}},
		{"strict handler, lenient registry", func() error {
			_, err := New(echo[ok], &Options{DisallowUnknownFields: true, Schemas: jsonschema.NewRegistry(nil)})
			return err
		}, ErrInvalidOptions, []string{"DisallowUnknownFields"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.build()
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.wantErr)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.True(t, strings.HasPrefix(err.Error(), "dynroute: "), err.Error())
		})
	}
	t.Run("every problem at once", func(t *testing.T) {
		err := typedBuild[struct {
			A    string `query:"a" minimum:"1"`
			B    int    `query:"b" pattern:"x"`
			C    int
			Body struct {
				D chan int
			}
		}]()
		require.Error(t, err)
		assert.Len(t, strings.Split(err.Error(), "\n"), 4, err.Error())
	})
	t.Run("Must panics with the error", func(t *testing.T) {
		assert.PanicsWithError(t, `dynroute: field N of struct { N int }: invalid type: no path, query, header or cookie tag; the JSON body goes in a field named Body, the request in a *http.Request, the matched route in a *dynroute.Route`, func() {
			Must(echo[struct{ N int }], nil)
		})
	})
}

// typedBuild makes a typed handler for In and returns the error.
func typedBuild[In any]() error {
	_, err := New(echo[In], nil)
	return err
}

func TestTypedConcurrent(t *testing.T) {
	type in struct {
		ID   int `path:"id"`
		Body struct {
			Name string `json:"name" default:"x" minLength:"1"`
		}
	}
	rt := dynroute.New(nil)
	rt.Post("/c/{id}", Must(echo[in], nil))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				body := fmt.Sprintf(`{"name":"n%d-%d"}`, g, i)
				if i%3 == 0 {
					body = `{}`
				}
				w := httptest.NewRecorder()
				rt.ServeHTTP(w, httptest.NewRequest("POST", fmt.Sprintf("/c/%d", i), strings.NewReader(body)))
				want := fmt.Sprintf(`{"ID":%d,"Body":{"name":"n%d-%d"}}`+"\n", i, g, i)
				if i%3 == 0 {
					want = fmt.Sprintf(`{"ID":%d,"Body":{"name":"x"}}`+"\n", i)
				}
				if w.Body.String() != want {
					t.Errorf("got %s, want %s", w.Body.String(), want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// FuzzTypedBody serves arbitrary bodies, query strings, path values and
// headers: nothing panics and nothing is answered 5xx.
func FuzzTypedBody(f *testing.F) {
	type item struct {
		SKU string   `json:"sku" pattern:"^[A-Z]+-[0-9]+$"`
		Qty int8     `json:"qty" minimum:"1"`
		Sub *item    `json:"sub,omitempty"`
		Tag []string `json:"tag,omitempty" maxItems:"2" default:"[\"t\"]"`
	}
	type in struct {
		ID    uint16     `path:"id" minimum:"1"`
		Q     string     `query:"q" maxLength:"10"`
		N     []int      `query:"n"`
		When  *time.Time `query:"when"`
		Token string     `header:"X-Token" format:"uuid"`
		Body  struct {
			Name  string          `json:"name" minLength:"1" format:"email"`
			Price float64         `json:"price" exclusiveMinimum:"0"`
			Items []item          `json:"items" maxItems:"3"`
			Meta  map[string]bool `json:"meta,omitempty"`
			Any   any             `json:"any,omitempty"`
			Kind  string          `json:"kind" enum:"a,b" default:"a"`
		}
	}
	rt := dynroute.New(nil)
	rt.Post("/f/{id}", Must(echo[in], &Options{MaxBodyBytes: 4096}))
	strict := dynroute.New(nil)
	strict.Post("/f/{id}", Must(echo[in], &Options{DisallowUnknownFields: true, Logger: slog.New(slog.DiscardHandler)}))
	f.Add([]byte(`{"name":"a@b.c","price":1,"items":[{"sku":"A-1","qty":1,"sub":{"sku":"B-2","qty":2}}]}`), "q=x&n=1,2", "5", "123e4567-e89b-12d3-a456-426614174000")
	f.Add([]byte(`{"name":"","price":0,"items":[{}],"meta":{"a":1}}`), "q=%zz&n=x", "0", "x")
	f.Add([]byte(`{"name":"\ud800","price":1e999,"items":null,"any":[[[[]]]]}`), "when=2024-01-01T00:00:00Z", "65536", "")
	f.Add([]byte(`[`), ";;&&==", "%2F", "\x00")
	f.Add([]byte("{\"name\":\"a@b\xff\"}"), "", "1", "")
	f.Fuzz(func(t *testing.T, body []byte, query, id, token string) {
		for _, h := range []http.Handler{rt, strict} {
			r := httptest.NewRequest("POST", "/f/1", bytes.NewReader(body))
			r.URL.Path = "/f/" + id
			r.URL.RawQuery = query
			r.Header["X-Token"] = []string{token}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code >= 500 {
				t.Fatalf("status %d for body %q query %q id %q: %s", w.Code, body, query, id, w.Body.String())
			}
			if w.Code == http.StatusOK && !json.Valid(body) {
				t.Fatalf("accepted a body that is not JSON: %q", body)
			}
			if w.Code == http.StatusUnprocessableEntity {
				var p ValidationProblem
				d := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
				d.UseNumber() // inputs are echoed exactly: 1e700 is no float64
				if err := d.Decode(&p); err != nil || len(p.Errors) == 0 || len(p.Errors) > jsonschema.MaxErrors {
					t.Fatalf("bad 422 answer %s (%v)", w.Body.String(), err)
				}
			}
		}
	})
}

// Benchmark: one typed endpoint — a path int, a query string and a JSON body
// of five fields with three constraints, answered with JSON — served by a
// dynroute Router, against the same written by hand on httprouter and
// encoding/json.

type benchProductIn struct {
	ID   int    `path:"id"`
	Q    string `query:"q"`
	Body benchProduct
}

type benchProduct struct {
	Name     string  `json:"name" maxLength:"50"`
	Price    float64 `json:"price" minimum:"0"`
	Quantity int     `json:"quantity" minimum:"1"`
	SKU      string  `json:"sku"`
	Note     string  `json:"note"`
}

type benchProductOut struct {
	ID    int     `json:"id"`
	Q     string  `json:"q"`
	Name  string  `json:"name"`
	SKU   string  `json:"sku"`
	Total float64 `json:"total"`
}

// benchWriter is a ResponseWriter that keeps nothing, so that the
// benchmark measures the handlers, not a recorder.
type benchWriter struct {
	h    http.Header
	code int
}

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *benchWriter) WriteHeader(code int)        { w.code = code }

type benchReqBody struct{ bytes.Reader }

func (*benchReqBody) Close() error { return nil }

// benchTypedServers returns the two servers of BenchmarkTyped.
func benchTypedServers() (typed, hand http.Handler) {
	rt := dynroute.New(nil)
	rt.MustAddAPIRoute("/products/{id}", []string{http.MethodPost}, Must(func(_ context.Context, in *benchProductIn) (*benchProductOut, error) {
		return &benchProductOut{ID: in.ID, Q: in.Q, Name: in.Body.Name, SKU: in.Body.SKU, Total: in.Body.Price * float64(in.Body.Quantity)}, nil
	}, nil), nil)
	hr := httprouter.New()
	hr.POST("/products/:id", func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
		id, err := strconv.Atoi(ps.ByName("id"))
		if err != nil {
			http.Error(w, "id is not an integer", http.StatusUnprocessableEntity)
			return
		}
		q := r.URL.Query().Get("q")
		var in benchProduct
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
			http.Error(w, "bad body", http.StatusUnprocessableEntity)
			return
		}
		if utf8.RuneCountInString(in.Name) > 50 || in.Price < 0 || in.Quantity < 1 {
			http.Error(w, "invalid body", http.StatusUnprocessableEntity)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(&benchProductOut{ID: id, Q: q, Name: in.Name, SKU: in.SKU, Total: in.Price * float64(in.Quantity)})
	})
	return rt, hr
}

func BenchmarkTyped(b *testing.B) {
	body := []byte(`{"name":"fountain pen","price":12.5,"quantity":3,"sku":"FP-0042","note":"gift wrap"}`)
	typed, hand := benchTypedServers()
	for _, s := range []struct {
		name string
		h    http.Handler
	}{{"dynroute", typed}, {"handwritten", hand}} {
		b.Run("router="+s.name, func(b *testing.B) {
			rb := &benchReqBody{}
			r := httptest.NewRequest(http.MethodPost, "/products/42?q=pen", rb)
			r.Header.Set("Content-Type", "application/json")
			w := &benchWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				rb.Reset(body)
				r.ContentLength = int64(len(body))
				clear(w.h)
				w.code = 0
				s.h.ServeHTTP(w, r)
				if w.code != 0 && w.code != http.StatusOK {
					b.Fatalf("status %d", w.code)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
