package dynroute

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The compiled answer encoder must write the bytes json.Encoder writes,
// whenever it does not give up.

type (
	feInner struct {
		A int8     `json:"a"`
		B *string  `json:"b,omitempty"`
		C []uint16 `json:"c"`
	}
	fePtrMarshal struct{ N int }
	feOut        struct {
		fdEmbedded
		S      string            `json:"s"`
		SE     string            `json:"se,omitempty"`
		B      bool              //
		BE     bool              `json:",omitempty"`
		I      int               //
		I8     int8              `json:"i8,omitempty"`
		I16    int16             //
		I32    int32             //
		I64    int64             //
		U      uint              //
		U8     uint8             //
		U16    uint16            //
		U32    uint32            `json:"u32,omitempty"`
		U64    uint64            //
		UP     uintptr           //
		F32    float32           //
		F64    float64           //
		FE     float64           `json:"fe,omitempty"`
		FZ     float64           `json:"fz,omitzero"`
		P      *int              //
		PE     *int              `json:"pe,omitempty"`
		PS     *feInner          //
		Inner  feInner           //
		InnerZ feInner           `json:"innerz,omitzero"`
		Sl     []feInner         //
		SlE    []int             `json:"sle,omitempty"`
		SlZ    []int             `json:"slz,omitzero"`
		Nested [][]string        //
		Bytes  []byte            //
		Arr    [2]int            //
		ArrE   [0]int            `json:",omitempty"`
		M      map[string]int    //
		ME     map[string]int    `json:"me,omitempty"`
		Any    any               //
		AnyE   any               `json:",omitempty"`
		Num    json.Number       //
		T      time.Time         //
		TP     *time.Time        //
		Up     upper             //
		UpP    *upper            //
		PM     fePtrMarshal      //
		PMP    *fePtrMarshal     //
		Raw    json.RawMessage   //
		Rec    *feOut            //
		Named  fdStr             `json:"<named>&"`
		MapP   map[string]*fdStr `json:"mapp"`
		Skip   int               `json:"-"`
		Dash   int               `json:"-,"`
		unexp  int
	}
)

func (p *fePtrMarshal) MarshalJSON() ([]byte, error) {
	return []byte(`{ "ptr" : ` + string(rune('0'+p.N%10)) + ` }`), nil
}

// feCheck encodes v with the compiled encoder of T and, when it does not
// give up, compares the bytes with json.Encoder's; when it gives up,
// json.Encoder must fail or the encoder must have had a reason.
func feCheck[T any](t *testing.T, enc *fastEnc, v *T) (encoded bool) {
	t.Helper()
	got, ok := enc.encodeAnswer(nil, unsafe.Pointer(v))
	var want bytes.Buffer
	err := json.NewEncoder(&want).Encode(v)
	if !ok {
		return false
	}
	require.NoError(t, err, "the encoder wrote what encoding/json refuses: %s", got)
	require.Equal(t, want.String(), string(got))
	return true
}

// feSample is a value with every field set, and strings and numbers that
// take encoding/json's special cases.
func feSample() *feOut {
	s := "<b>&amp;</b>"
	n := 7
	named := fdStr("x")
	tm := time.Date(2024, 1, 2, 3, 4, 5, 6, time.FixedZone("", 3600))
	return &feOut{
		fdEmbedded: fdEmbedded{E: "e", Shadow: 1, Deep: 2},
		S:          "quote\" backslash\\ nl\n cr\r tab\t bs\b ff\f nul\x00 us\x1f del\x7f <>& \u2028\u2029 é 😀 bad\xff\xfe end",
		SE:         "x", B: true, BE: true, I: -1, I8: -128, I16: 32767, I32: -1 << 31, I64: math.MinInt64,
		U: 1, U8: 255, U16: 65535, U32: 1<<32 - 1, U64: math.MaxUint64, UP: 3,
		F32: 3.4e38, F64: 1e21, FE: -0.0, FZ: math.Copysign(0, -1),
		P: &n, PE: &n, PS: &feInner{A: 1, B: &s, C: []uint16{1, 2}}, Inner: feInner{C: []uint16{}}, InnerZ: feInner{A: 1},
		Sl: []feInner{{}, {A: 2}}, SlE: []int{}, SlZ: []int{}, Nested: [][]string{nil, {}, {"a"}},
		Bytes: []byte("hi"), Arr: [2]int{1, 2}, M: map[string]int{"b": 2, "a": 1}, ME: map[string]int{},
		Any: map[string]any{"k": []any{1.5, "<"}}, AnyE: 0, Num: "12.50",
		T: tm, TP: &tm, Up: upper{s: "up"}, UpP: &upper{s: "upp"}, PM: fePtrMarshal{N: 3}, PMP: &fePtrMarshal{N: 4},
		Raw: json.RawMessage(` {"raw" : [1, 2]} `), Rec: &feOut{S: "rec", Rec: &feOut{}},
		Named: named, MapP: map[string]*fdStr{"a": &named, "b": nil}, Skip: 1, Dash: 2, unexp: 3,
	}
}

func TestFastEncodeDifferential(t *testing.T) {
	enc := fastEncoderOf(reflect.TypeFor[feOut]())
	require.NotNil(t, enc)
	assert.True(t, feCheck(t, enc, &feOut{}), "zero value")
	assert.True(t, feCheck(t, enc, feSample()), "every field set")
	for _, f := range []float64{0, 1, -1, 0.1, 1e20, 1e21, 1e-6, 1e-7, 123456789.125, 5e-324, math.MaxFloat64, -1e-9} {
		v := &feOut{F64: f, FE: f, FZ: f}
		if math.Abs(f) <= math.MaxFloat32 {
			v.F32 = float32(f)
		}
		assert.True(t, feCheck(t, enc, v), "%v", f)
	}
	for _, f := range []float32{1e21, 1e20, 1e-6, 9.999999e-7, math.MaxFloat32, math.SmallestNonzeroFloat32} {
		assert.True(t, feCheck(t, enc, &feOut{F32: f}), "%v", f)
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		assert.False(t, feCheck(t, enc, &feOut{F64: f}), "%v", f)
		assert.False(t, feCheck(t, enc, &feOut{PS: &feInner{}, Sl: []feInner{{}}, F32: float32(f)}), "%v", f)
	}
	pointers := &feOut{}
	pointers.Rec = pointers // a cycle: encoding/json finds it, the encoder gives up
	assert.False(t, feCheck(t, enc, pointers))
}

func TestFastEncoderOf(t *testing.T) {
	type zeroer struct {
		T time.Time `json:"t,omitzero"`
	}
	type quoted struct {
		N int `json:"n,string"`
	}
	type embeddedPtr struct {
		*fdEmbedded
		N int
	}
	type oddName struct {
		N int `json:"a→b"`
	}
	tests := []struct {
		name string
		typ  reflect.Type
		fast bool
	}{
		{"struct", reflect.TypeFor[feOut](), true},
		{"pointer", reflect.TypeFor[*feOut](), true},
		{"slice", reflect.TypeFor[[]feInner](), true},
		{"scalar", reflect.TypeFor[string](), true},
		{"raw message", reflect.TypeFor[json.RawMessage](), false},
		{"map", reflect.TypeFor[map[string]int](), false},
		{"a type with MarshalText", reflect.TypeFor[upper](), false},
		{"a type with a pointer MarshalJSON", reflect.TypeFor[fePtrMarshal](), false},
		{"omitzero with an IsZero method", reflect.TypeFor[zeroer](), false},
		{",string", reflect.TypeFor[quoted](), false},
		{"embedded pointer", reflect.TypeFor[embeddedPtr](), false},
		{"tag name encoding/json refuses", reflect.TypeFor[oddName](), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.fast, fastEncoderOf(tt.typ) != nil)
		})
	}
}

// FuzzFastEncode compares the compiled encoder with json.Encoder on
// arbitrary strings and numbers (floats given by their bits).
func FuzzFastEncode(f *testing.F) {
	for _, a := range fastEncodeSeeds {
		f.Add(a.s, a.f64, a.f32, a.i, a.u)
	}
	enc := fastEncoderOf(reflect.TypeFor[feOut]())
	f.Fuzz(func(t *testing.T, s string, f64bits uint64, f32bits uint32, ibits, u uint64) {
		f64, f32, i := math.Float64frombits(f64bits), math.Float32frombits(f32bits), int64(ibits)
		v := &feOut{S: s, SE: s, F64: f64, FE: f64, FZ: f64, F32: f32, I64: i, I: int(i), I8: int8(i), U64: u, U8: uint8(u),
			Named: fdStr(s), PS: &feInner{B: &s}, Nested: [][]string{{s}}}
		if math.IsNaN(f64) || math.IsInf(f64, 0) || math.IsNaN(float64(f32)) || math.IsInf(float64(f32), 0) {
			assert.False(t, feCheck(t, enc, v))
			return
		}
		assert.True(t, feCheck(t, enc, v))
	})
}

// fastEncodeSeeds are FuzzFastEncode's seeds: strings and numbers that take
// encoding/json's special cases.
var fastEncodeSeeds = []struct {
	s    string
	f64  uint64
	f32  uint32
	i, u uint64
}{
	{"<a href=\"x\">&\u2028\xff</a>", math.Float64bits(1e21), math.Float32bits(1e-7), 1<<64 - 5, 7},
	{"", 0, 0, 0, 0},
	{"\x00\x1f\x7f\"\\\b\f\n\r\t é 😀", math.Float64bits(math.Copysign(0, -1)), math.Float32bits(1e21), 1 << 63, math.MaxUint64},
	{"\u2029", math.Float64bits(1e-7), math.Float32bits(math.MaxFloat32), 1<<63 - 1, 1 << 63},
	{"nan", math.Float64bits(math.NaN()), 0, 0, 0},
	{"inf", 0, math.Float32bits(float32(math.Inf(-1))), 0, 0},
}
