package jsonnum

import (
	"strings"
	"testing"

	"github.com/dynroute/dynroute/internal/testkit"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/stretchr/testify/assert"
)

// TestMain bounds how long go test -fuzz minimizes an input (see
// testkit.Main).
func TestMain(m *testing.M) { testkit.Main(m) }

func TestScan(t *testing.T) {
	tests := []struct {
		in   string
		want int // the end, or -(offset of the bad byte)-1
	}{
		{"0", 1}, {"-0", 2}, {"12", 2}, {"1.5", 3}, {"-1.5e+10", 8}, {"2E-3", 4}, {"1e400", 5},
		{"12,", 2}, {"1.5]", 3}, {"01", 1}, // the number ends where the next token starts
		{"", -1}, {"-", -2}, {"+1", -1}, {".5", -1}, {"1.", -3}, {"1e", -3}, {"1e+", -4},
		{"NaN", -1}, {"Inf", -1}, {"--1", -2},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Scan(tt.in, 0), "%q", tt.in)
		assert.Equal(t, tt.want, Scan([]byte(tt.in), 0), "%q as bytes", tt.in)
	}
	assert.Equal(t, 5, Scan(`[1,-2]`, 3), "from an offset")
}

func TestValid(t *testing.T) {
	for _, ok := range []string{"0", "-0", "1.25", "1e3", "-12.5E-2", "123456789012345678901234567890"} {
		assert.True(t, Valid(ok), ok)
	}
	for _, bad := range []string{"", "-", "01", "1.", ".5", "1e", "1e+", "+1", "0x1", "1_0", "NaN", "Inf", "--1", " 1", "1 "} {
		assert.False(t, Valid(bad), bad)
		assert.False(t, Valid([]byte(bad)), bad)
	}
}

// FuzzScan checks Valid against the JSON library's reading of one value,
// and Scan on strings against Scan on bytes.
func FuzzScan(f *testing.F) {
	for _, s := range []string{"0", "-1.5e+10", "1.", "NaN", "01", " 1", "1e999", "-0.0E-0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		end := Scan(s, 0)
		assert.Equal(t, end, Scan([]byte(s), 0))
		if end >= 0 {
			assert.LessOrEqual(t, end, len(s))
		} else {
			assert.LessOrEqual(t, -end-1, len(s))
		}
		v := jsontext.Value(s)
		isNumber := v.IsValid() && v.Kind() == '0' && strings.TrimSpace(s) == s
		assert.Equal(t, isNumber, Valid(s), "%q", s)
	})
}
