package gotypes

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

type textPtr struct{}

func (*textPtr) UnmarshalText([]byte) error { return nil }

func TestImplements(t *testing.T) {
	assert.True(t, Implements(reflect.TypeFor[netip.Addr](), TextMarshaler))
	assert.True(t, Implements(reflect.TypeFor[textPtr](), TextUnmarshaler), "through a pointer")
	assert.True(t, Implements(reflect.TypeFor[time.Time](), JSONMarshaler, TextUnmarshaler))
	assert.True(t, Implements(reflect.TypeFor[json.RawMessage](), JSONMarshaler))
	assert.False(t, Implements(reflect.TypeFor[string](), JSONMarshaler, TextMarshaler))
	assert.False(t, Implements(reflect.TypeFor[any](), TextMarshaler), "an empty interface has no methods")
}
