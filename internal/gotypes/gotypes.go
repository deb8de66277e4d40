// Package gotypes names the Go types whose JSON form is not that of their
// kind — time.Time, json.Number, types that marshal themselves — for the
// packages that walk Go types: jsonschema describes them, typed binds them,
// crud stores them.
package gotypes

import (
	"encoding"
	"encoding/json"
	"reflect"
	"time"
)

// The types, for comparisons and Implements. They are never modified.
var (
	Time            = reflect.TypeFor[time.Time]()
	JSONNumber      = reflect.TypeFor[json.Number]()
	JSONMarshaler   = reflect.TypeFor[json.Marshaler]()
	JSONUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	TextMarshaler   = reflect.TypeFor[encoding.TextMarshaler]()
	TextUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// Implements reports whether t or *t implements one of ifaces: a value of
// t that is addressable has the method.
func Implements(t reflect.Type, ifaces ...reflect.Type) bool {
	for _, i := range ifaces {
		if t.Implements(i) || (t.Kind() != reflect.Interface && reflect.PointerTo(t).Implements(i)) {
			return true
		}
	}
	return false
}
