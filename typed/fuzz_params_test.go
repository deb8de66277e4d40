package typed

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/internal/httpx"
	"github.com/dynroute/dynroute/jsonschema"
	"github.com/stretchr/testify/require"
)

// fuzzParamsIn is the input type of FuzzTypedParams: every kind a
// parameter may have, in every place, with defaults and constraints.
type fuzzParamsIn struct {
	ID   int16  `path:"id" minimum:"-100" maximum:"30000"`
	Name string `path:"name" minLength:"1" maxLength:"20"`

	S    string     `query:"s" maxLength:"8" pattern:"^[a-z]*$"`
	B    bool       `query:"b"`
	I    int        `query:"i"`
	I8   int8       `query:"i8" exclusiveMinimum:"-100"`
	I32  int32      `query:"i32"`
	I64  int64      `query:"i64"`
	U    uint       `query:"u"`
	U16  uint16     `query:"u16" maximum:"60000"`
	U64  uint64     `query:"u64"`
	F32  float32    `query:"f32"`
	F64  float64    `query:"f64" exclusiveMaximum:"1e300"`
	T    time.Time  `query:"t"`
	PT   *time.Time `query:"pt"`
	Txt  upper      `query:"txt" maxLength:"5"`
	Addr netip.Addr `query:"addr"`
	Lvl  level      `query:"lvl" enum:"-1,0,1"`
	PI   *int32     `query:"pi" default:"3"`
	PS   *string    `query:"ps"`
	Col  string     `query:"col" enum:"red,green"`
	Mail string     `query:"mail" format:"email"`
	SS   []string   `query:"ss" maxItems:"4"`
	SI   []uint32   `query:"si" minItems:"2"`
	SU   []upper    `query:"su"`
	DS   []string   `query:"ds" default:"x,y"`
	DF   float64    `query:"df" default:"0.25" minimum:"0"`

	H  string    `header:"X-H"`
	HI *int      `header:"x-num" minimum:"0"`
	HS []float64 `header:"X-List" maxItems:"5"`

	C  string `cookie:"c" maxLength:"16"`
	CB *bool  `cookie:"cb"`
	CU uint   `cookie:"cu" default:"5"`
}

// fuzzParamsKey is the context key under which FuzzTypedParams' handler
// stores the input it was given.
type fuzzParamsKey struct{}

// fuzzParamsHandler answers with its input as JSON and hands it to the
// test through the request's context.
func fuzzParamsHandler(ctx context.Context, in *fuzzParamsIn) (*json.RawMessage, error) {
	if got, ok := ctx.Value(fuzzParamsKey{}).(**fuzzParamsIn); ok {
		*got = in
	}
	return echo(ctx, in)
}

// fuzzParamsReq is one request of FuzzTypedParams: the path values, the raw
// query and the header lines.
type fuzzParamsReq struct {
	id, name, query, h, num, list, cookie string
}

// request builds the request, with the path values set as ServeMux would.
func (q fuzzParamsReq) request(got **fuzzParamsIn) *http.Request {
	r := httptest.NewRequest("GET", "/p/x/y", nil)
	r.URL.RawQuery = q.query
	r.SetPathValue("id", q.id)
	r.SetPathValue("name", q.name)
	for k, v := range map[string]string{"X-H": q.h, "X-Num": q.num, "X-List": q.list, "Cookie": q.cookie} {
		if v != "" {
			r.Header[k] = []string{v}
		}
	}
	return r.WithContext(context.WithValue(r.Context(), fuzzParamsKey{}, got))
}

// canonical encodes a bound input as a request that binds to it again:
// every value that absence would not give written out, numbers in their
// shortest form.
func (in *fuzzParamsIn) canonical() fuzzParamsReq {
	q := url.Values{}
	v := reflect.ValueOf(in).Elem()
	for i := 0; i < v.NumField(); i++ {
		sf := v.Type().Field(i)
		key, ok := sf.Tag.Lookup("query")
		if !ok {
			continue
		}
		_, hasDefault := sf.Tag.Lookup("default")
		f := v.Field(i)
		switch {
		case f.IsZero() && !hasDefault: // absent is zero
		case f.Kind() == reflect.Slice:
			items := make([]string, f.Len())
			for j := range items {
				items[j] = fuzzFormat(f.Index(j))
			}
			q.Set(key, strings.Join(items, ","))
		case f.Kind() == reflect.Pointer:
			q.Set(key, fuzzFormat(f.Elem()))
		default:
			q.Set(key, fuzzFormat(f))
		}
	}
	r := fuzzParamsReq{
		id:     strconv.Itoa(int(in.ID)),
		name:   in.Name,
		query:  q.Encode(),
		h:      in.H,
		cookie: `c="` + in.C + `"; cu=` + strconv.FormatUint(uint64(in.CU), 10),
	}
	if in.HI != nil {
		r.num = strconv.Itoa(*in.HI)
	}
	if in.HS != nil {
		items := make([]string, len(in.HS))
		for j, x := range in.HS {
			items[j] = strconv.FormatFloat(x, 'g', -1, 64)
		}
		r.list = strings.Join(items, ", ")
	}
	if in.CB != nil {
		r.cookie += "; cb=" + strconv.FormatBool(*in.CB)
	}
	return r
}

// utc returns a copy of in with its times in UTC, for comparing inputs
// whose times were read with other locations of the same offset.
func (in *fuzzParamsIn) utc() fuzzParamsIn {
	c := *in
	c.T = c.T.UTC()
	if c.PT != nil {
		c.PT = ptr(c.PT.UTC())
	}
	return c
}

// fuzzFormat writes a bound parameter value as the text it binds from.
func fuzzFormat(v reflect.Value) string {
	switch x := v.Interface().(type) {
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case upper:
		return x.s
	case netip.Addr:
		b, _ := x.MarshalText()
		return string(b)
	}
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32:
		return strconv.FormatFloat(v.Float(), 'g', -1, 32)
	case reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	}
	panic("fuzzFormat: unexpected " + v.Type().String())
}

// fuzzParamsSeeds are FuzzTypedParams' seeds: valid values at and around
// every limit, wrong types, bad escapes, odd cookies and headers.
var fuzzParamsSeeds = []fuzzParamsReq{
	{"1", "a", "", "", "", "", ""},
	{"30000", "abcdefghijklmnopqrst", "s=abc&b=true&i=-1&i8=-99&i32=2147483647&i64=-9223372036854775808&u=0&u16=60000", "h", "0", "1, 2.5,-0", `c=v; cb=true; cu="42"`},
	{"-100", "n", "u64=18446744073709551615&f32=3.4028235e38&f64=-1e-300&t=2024-05-06T07:08:09.123456789%2B02:00", "", "", "", ""},
	{"2", "n", "pt=2024-01-01T00:00:00Z&txt=abcde&addr=fe80::1%25eth0&lvl=-1&pi=-7&ps=&col=green&mail=a@b.org", "", "", "", ""},
	{"3", "n", "ss=x,y&ss=z&si=1,2&su=a,b&ds=&df=0", "", "", "", ""},
	{"-101", "", "s=ABC&i8=-100&u16=60001&f64=1e300&lvl=2&col=blue", "", "-1", "1,2,3,4,5,6", "c=12345678901234567"},
	{"5", "n", "mail=a@@b&si=1&ss=a,b,c,d,e", "", "", "", ""},
	{"0x10", "%2F", "i=1e3&u=-1&u64=18446744073709551616&f32=1e39&f64=NaN", "", "x", "a", "cb=yes; cu=-1"},
	{"6", "n", "t=yesterday&txt=bad&addr=256.0.0.1&b=maybe", "", "", "", ""},
	{"7", "ü", "s=%zz&%zz=1&;s=a&s&=&&i=1&i=x", "\x00", " 1", " , ", `c="quoted"; c=second`},
	{"+5", "a b", "pi=&pt=&ps=%00&su=&si=256&ds=a,,b", "\xff", "2147483648", "1e400", "c=\"\"; cb=\"\"; =x; ;;"},
	{"00012", strings.Repeat("n", 21), "df=-0.1&f32=0x1p-2&f64=1_0&i=+1&lvl=01&col=red%20", "h", "9223372036854775808", "Inf", "cu=18446744073709551616"},
	{"1", "x", "t=2024-02-29T23:59:59.999999999%2B14:00&t=2024-02-30T00:00:00Z", "", "", "", ""},
	{"1", "x", "pt=2024-01-01T00:00:00-00:00&ps=%E2%82%AC", "", "", "", ""},
}

// FuzzTypedParams binds arbitrary path, query, header and cookie values into
// an input type of every parameter kind. A request is answered 200 or 422,
// the same through a Router as directly; a 422 is a problem+json document
// listing one to maxFieldErrors problems, each at a parameter the type has;
// a 200 holds values within their limits, agrees with url.ParseQuery on
// the query, and binds again to the same answer when its values are written
// out canonically; and serving a request twice gives the same answer.
func FuzzTypedParams(f *testing.F) {
	for _, s := range fuzzParamsSeeds {
		f.Add(s.id, s.name, s.query, s.h, s.num, s.list, s.cookie)
	}
	h, err := New(fuzzParamsHandler, nil)
	require.NoError(f, err)
	rt := dynroute.New(&dynroute.Options{Docs: &dynroute.DocsOptions{Disabled: true}})
	rt.MustAddAPIRoute("/p/{id}/{name}", []string{"GET"}, h, nil)
	// The parameters, as a problem's loc names them: the place, then the
	// name as the tag writes it.
	names := map[string]bool{}
	for sf := range reflect.TypeFor[fuzzParamsIn]().Fields() {
		for _, where := range []string{"path", "query", "header", "cookie"} {
			if name, ok := sf.Tag.Lookup(where); ok {
				names[where+"\x00"+name] = true
			}
		}
	}
	serve := func(q fuzzParamsReq) (*httptest.ResponseRecorder, *fuzzParamsIn) {
		var got *fuzzParamsIn
		w := httptest.NewRecorder()
		h.ServeHTTP(w, q.request(&got))
		return w, got
	}
	f.Fuzz(func(t *testing.T, id, name, query, hdr, num, list, cookie string) {
		q := fuzzParamsReq{id, name, query, hdr, num, list, cookie}
		w, got := serve(q)
		switch w.Code {
		case http.StatusOK:
			require.NotNil(t, got, "200 without calling the handler")
			checkFuzzParams(t, q, got)
			again, got2 := serve(got.canonical())
			require.Equal(t, http.StatusOK, again.Code, "canonical form %+v of %+v: %s", got.canonical(), q, again.Body.String())
			require.Equal(t, w.Body.String(), again.Body.String(), "canonical form %+v of %+v", got.canonical(), q)
			require.Equal(t, got.utc(), got2.utc())
		case http.StatusUnprocessableEntity:
			require.Nil(t, got, "422 after calling the handler")
			checkFuzzProblem(t, w, names, q)
		default:
			t.Fatalf("%+v: status %d: %s", q, w.Code, w.Body.String())
		}
		// The same request again: no state is left from the ones before.
		w2, _ := serve(q)
		require.Equal(t, w.Code, w2.Code)
		require.Equal(t, w.Body.String(), w2.Body.String())
		// Through a Router, where the path values come from the match.
		path := "/p/" + id + "/" + name
		if id == "" || name == "" || strings.ContainsAny(id+name, "/?#") || cleanPath(path) != path {
			return
		}
		r := q.request(new(*fuzzParamsIn))
		r.URL.Path = path
		wr := httptest.NewRecorder()
		rt.ServeHTTP(wr, r)
		require.Equal(t, w.Code, wr.Code, "%+v through the Router: %s", q, wr.Body.String())
		require.Equal(t, w.Body.String(), wr.Body.String(), "%+v through the Router", q)
	})
}

// checkFuzzProblem checks a 422 answer to q: problem+json listing problems
// at known parameters, echoing the raw value unless it is over the echo
// bound.
func checkFuzzProblem(t *testing.T, w *httptest.ResponseRecorder, names map[string]bool, q fuzzParamsReq) {
	t.Helper()
	require.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
	var p ValidationProblem
	d := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	d.UseNumber()
	d.DisallowUnknownFields()
	require.NoError(t, d.Decode(&p), w.Body.String())
	require.Equal(t, http.StatusUnprocessableEntity, p.Status)
	require.NotEmpty(t, p.Title)
	require.NotEmpty(t, p.Errors, w.Body.String())
	require.LessOrEqual(t, len(p.Errors), jsonschema.MaxErrors)
	for _, e := range p.Errors {
		require.GreaterOrEqual(t, len(e.Loc), 2, "%+v", e)
		where, _ := e.Loc[0].(string)
		name, _ := e.Loc[1].(string)
		require.True(t, names[where+"\x00"+name], "problem at an unknown parameter: %+v", e)
		if len(e.Loc) == 3 {
			_, err := e.Loc[2].(json.Number).Int64()
			require.NoError(t, err, "item index %v", e.Loc[2])
		}
		require.NotEmpty(t, e.Type, "%+v", e)
		require.NotEmpty(t, e.Msg, "%+v", e)
		switch {
		case e.Type == "missing":
			require.Nil(t, e.Input, "%+v", e)
		case strings.HasPrefix(e.Type, "too_"):
		case e.Input == nil:
			require.True(t, q.hasLongPart(), "an echo left out of a short request: %+v", e)
		default:
			require.IsType(t, "", e.Input, "%+v", e)
			b, err := json.Marshal(e.Input)
			require.NoError(t, err)
			require.LessOrEqual(t, len(b), httpx.MaxEchoBytes, "%+v", e)
		}
	}
}

// hasLongPart reports whether a part of q is longer than the echo bound
// as JSON, so that a problem with it echoes nothing.
func (q fuzzParamsReq) hasLongPart() bool {
	for _, part := range []string{q.id, q.name, q.query, q.h, q.num, q.list, q.cookie} {
		if b, _ := json.Marshal(part); len(b) > httpx.MaxEchoBytes {
			return true
		}
	}
	return false
}

var fuzzLowerWord = regexp.MustCompile(`^[a-z]*$`)

// checkFuzzParams checks a bound input against its limits and against
// url.ParseQuery's reading of the query.
func checkFuzzParams(t *testing.T, q fuzzParamsReq, in *fuzzParamsIn) {
	t.Helper()
	require.Equal(t, q.name, in.Name)
	require.True(t, in.ID >= -100 && in.ID <= 30000, "id %d", in.ID)
	n := utf8.RuneCountInString(in.Name)
	require.True(t, n >= 1 && n <= 20, "name %q", in.Name)
	require.True(t, utf8.RuneCountInString(in.S) <= 8 && fuzzLowerWord.MatchString(in.S), "s %q", in.S)
	require.Greater(t, in.I8, int8(-100))
	require.LessOrEqual(t, in.U16, uint16(60000))
	require.Less(t, in.F64, 1e300)
	require.Contains(t, []level{-1, 0, 1}, in.Lvl)
	require.Contains(t, []string{"", "red", "green"}, in.Col)
	require.LessOrEqual(t, len(in.SS), 4)
	require.True(t, in.SI == nil || len(in.SI) >= 2, "si %v", in.SI)
	require.GreaterOrEqual(t, in.DF, 0.0)
	require.True(t, in.HI == nil || *in.HI >= 0)
	require.LessOrEqual(t, len(in.HS), 5)
	require.LessOrEqual(t, utf8.RuneCountInString(in.C), 16)
	require.LessOrEqual(t, utf8.RuneCountInString(in.Txt.s), 5)
	require.Equal(t, strings.ToUpper(in.Txt.s), in.Txt.s)

	// The query as url.ParseQuery reads it (an accepted query has no bad
	// escape in a value of the type's keys): a scalar is the first value, a
	// slice all of them split at commas, an absent one the default.
	vals, _ := url.ParseQuery(q.query)
	first := func(key, def string) (string, bool) {
		if v, ok := vals[key]; ok {
			return v[0], true
		}
		return def, def != ""
	}
	all := func(key, def string) []string {
		v, ok := vals[key]
		if !ok {
			if def == "" {
				return nil
			}
			v = []string{def}
		}
		var out []string
		for _, s := range v {
			out = append(out, strings.Split(s, ",")...)
		}
		return out
	}
	if s, ok := first("s", ""); ok {
		require.Equal(t, s, in.S)
	}
	if s, ok := first("i", ""); ok {
		want, err := strconv.ParseInt(s, 10, 64)
		require.NoError(t, err)
		require.Equal(t, int(want), in.I)
	}
	if s, ok := first("u64", ""); ok {
		want, err := strconv.ParseUint(s, 10, 64)
		require.NoError(t, err)
		require.Equal(t, want, in.U64)
	}
	if s, ok := first("b", ""); ok {
		want, err := strconv.ParseBool(s)
		require.NoError(t, err)
		require.Equal(t, want, in.B)
	}
	if s, ok := first("f64", ""); ok {
		want, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err)
		require.Equal(t, want, in.F64)
	}
	if s, ok := first("t", ""); ok {
		want, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		require.True(t, want.Equal(in.T), "t %q bound as %v", s, in.T)
	}
	if s, ok := first("pi", "3"); ok {
		want, err := strconv.ParseInt(s, 10, 32)
		require.NoError(t, err)
		require.Equal(t, ptr(int32(want)), in.PI)
	} else {
		require.Nil(t, in.PI)
	}
	if s, ok := vals["ps"]; ok {
		require.Equal(t, ptr(s[0]), in.PS)
	} else {
		require.Nil(t, in.PS)
	}
	if s, ok := first("df", "0.25"); ok {
		want, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err)
		require.Equal(t, want, in.DF)
	}
	require.Equal(t, all("ss", ""), in.SS)
	require.Equal(t, all("ds", "x,y"), in.DS)
	var su []string
	for _, u := range in.SU {
		su = append(su, u.s)
	}
	wantSU := all("su", "")
	for i, s := range wantSU {
		wantSU[i] = strings.ToUpper(s)
	}
	require.Equal(t, wantSU, su)
	if !strings.Contains(q.cookie, "cu") {
		require.Equal(t, uint(5), in.CU, "cu without a cookie")
	}
}

// cleanPath is path.Clean keeping a trailing slash, as the Router cleans
// the paths it redirects.
func cleanPath(p string) string {
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}
