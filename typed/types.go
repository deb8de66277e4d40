package typed

import (
	"encoding"
	"encoding/json"
	"reflect"
	"time"
)

// Types that binding and the stores treat specially.
var (
	timeType            = reflect.TypeFor[time.Time]()
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// implements reports whether t or *t implements one of ifaces.
func implements(t reflect.Type, ifaces ...reflect.Type) bool {
	for _, i := range ifaces {
		if t.Implements(i) || (t.Kind() != reflect.Interface && reflect.PointerTo(t).Implements(i)) {
			return true
		}
	}
	return false
}
