package jsonlit

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\s`, "\n\r\t\x00\x1f", "é✓", "bad\xffutf8", "\u2028", "<a>&"} {
		got := AppendString(nil, s)
		want, err := json.Marshal(s)
		require.NoError(t, err)
		var back, wantBack string
		require.NoError(t, json.Unmarshal(got, &back), "%q -> %s", s, got)
		require.NoError(t, json.Unmarshal(want, &wantBack))
		assert.Equal(t, wantBack, back)
	}
	assert.Equal(t, `"<a>&"`, string(AppendString(nil, "<a>&")), "no HTML escaping")
}

func TestScanNumber(t *testing.T) {
	for _, good := range []string{"0", "-0", "1", "12.5", "1e3", "1E+3", "-1.5e-7", "0.0"} {
		assert.Equal(t, len(good), ScanNumber([]byte(good), 0), good)
		assert.True(t, IsNumber(good), good)
	}
	for _, bad := range []string{"", "-", "01", "1.", ".5", "1e", "1e+", "+1", "0x1", "1_0", "NaN", "Inf", "--1"} {
		assert.False(t, IsNumber(bad), bad)
	}
	assert.Equal(t, 4, ScanNumber([]byte(`[1.5,2]`), 1), "a number inside a document")
	assert.Equal(t, -3, ScanNumber([]byte("1."), 0), "the bad byte is reported")
}
