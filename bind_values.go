package dynroute

import (
	"encoding"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// Parameter values: parsing one raw string into a field of the In value and
// checking it against the rules compiled from the parameter's schema, the
// same rules the body's validator applies to JSON values.

// checkString checks a string parameter against the rules of its schema.
func (n *vnode) checkString(s string) issue {
	if n == nil {
		return issue{}
	}
	if n.str != nil {
		if iss := n.str.check(s); !iss.ok() {
			return iss
		}
	}
	if n.enum != nil && !containsString(n.enum.strs, s) {
		return n.enum.issue()
	}
	return issue{}
}

// containsString is slices.Contains for strings, kept small for the hot path.
func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkNumber checks a number, formatted as JSON, against bounds and enum.
func (n *vnode) checkNumber(text []byte) issue {
	d := parseDecimal(text)
	if n.num != nil {
		if iss := n.num.check(&d); !iss.ok() {
			return iss
		}
	}
	if n.enum != nil && !n.enum.hasNumber(&d) {
		return n.enum.issue()
	}
	return issue{}
}

// checkInt checks an integer parameter; without an enum no formatting is needed.
func (n *vnode) checkInt(v int64) issue {
	if n == nil || (n.num == nil && n.enum == nil) {
		return issue{}
	}
	if n.enum == nil {
		return n.num.checkInt(v)
	}
	var buf [24]byte
	return n.checkNumber(strconv.AppendInt(buf[:0], v, 10))
}

// checkUint is checkInt for unsigned values.
func (n *vnode) checkUint(v uint64) issue {
	if n == nil || (n.num == nil && n.enum == nil) {
		return issue{}
	}
	if n.enum == nil {
		return n.num.checkUint(v)
	}
	var buf [24]byte
	return n.checkNumber(strconv.AppendUint(buf[:0], v, 10))
}

// checkFloat checks a float parameter.
func (n *vnode) checkFloat(f float64) issue {
	if n == nil || (n.num == nil && n.enum == nil) {
		return issue{}
	}
	var buf [32]byte
	return n.checkNumber(strconv.AppendFloat(buf[:0], f, 'g', -1, 64))
}

// checkBool checks a bool parameter against an enum.
func (n *vnode) checkBool(b bool) issue {
	if n == nil || n.enum == nil || n.enum.hasBool(b) {
		return issue{}
	}
	return n.enum.issue()
}

// The problems of parameters that do not parse, in pydantic's words.
var (
	issueIntParsing   = issue{Type: "int_parsing", Msg: "Input should be a valid integer, unable to parse string as an integer"}
	issueIntRange     = issue{Type: "int_parsing", Msg: "Input should be a valid integer, the number is out of range"}
	issueFloatParsing = issue{Type: "float_parsing", Msg: "Input should be a valid number, unable to parse string as a number"}
	issueFloatRange   = issue{Type: "float_parsing", Msg: "Input should be a finite number, the number is out of range"}
	issueBoolParsing  = issue{Type: "bool_parsing", Msg: "Input should be a valid boolean, unable to interpret input"}
	issueTimeParsing  = issue{Type: "datetime_parsing", Msg: "Input should be a valid datetime (RFC 3339)"}
)

// parseIntParam parses and checks a signed integer parameter.
func parseIntParam(raw string, n *vnode) (int64, issue) {
	v, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, issueIntRange
		}
		return 0, issueIntParsing
	}
	return v, n.checkInt(v)
}

// parseUintParam parses and checks an unsigned integer parameter.
func parseUintParam(raw string, n *vnode) (uint64, issue) {
	if strings.HasPrefix(raw, "-") {
		// A negative number is an integer that breaks the type's minimum
		// of 0: say that, as the body's validator does.
		if v, err := strconv.ParseInt(raw, 10, 64); err == nil {
			if iss := n.checkInt(v); !iss.ok() {
				return 0, iss
			}
		}
		return 0, issueIntParsing
	}
	v, err := strconv.ParseUint(raw, 10, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, issueIntRange
		}
		return 0, issueIntParsing
	}
	return v, n.checkUint(v)
}

// parseFloatParam parses a float parameter written as a JSON number.
func parseFloatParam(raw string, bits int, n *vnode) (float64, issue) {
	if scanJSONNumber([]byte(raw), 0) != len(raw) { // no "NaN", "Inf" or hex floats
		return 0, issueFloatParsing
	}
	f, err := strconv.ParseFloat(raw, bits)
	if err != nil {
		return 0, issueFloatRange
	}
	return f, n.checkFloat(f)
}

// setterOf makes a set function from a parser of T.
func setterOf[T any](mode setMode, parse func(string) (T, issue)) func(unsafe.Pointer, string) issue {
	switch mode {
	case setPointer:
		return func(p unsafe.Pointer, raw string) issue {
			v, iss := parse(raw)
			if iss.ok() {
				n := new(T)
				*n = v
				*(**T)(p) = n
			}
			return iss
		}
	case setSlice:
		return func(p unsafe.Pointer, raw string) issue {
			v, iss := parse(raw)
			if iss.ok() {
				s := (*[]T)(p)
				*s = append(*s, v)
			}
			return iss
		}
	}
	return func(p unsafe.Pointer, raw string) issue {
		v, iss := parse(raw)
		if iss.ok() {
			*(*T)(p) = v
		}
		return iss
	}
}

// intSetter makes the set function of a signed integer parameter.
func intSetter[T ~int8 | ~int16 | ~int32 | ~int64](mode setMode, n *vnode) func(unsafe.Pointer, string) issue {
	return setterOf(mode, func(raw string) (T, issue) {
		v, iss := parseIntParam(raw, n)
		return T(v), iss
	})
}

// uintSetter makes the set function of an unsigned integer parameter.
func uintSetter[T ~uint8 | ~uint16 | ~uint32 | ~uint64](mode setMode, n *vnode) func(unsafe.Pointer, string) issue {
	return setterOf(mode, func(raw string) (T, issue) {
		v, iss := parseUintParam(raw, n)
		return T(v), iss
	})
}

// newSetter makes the set function of a parameter of type elem. The value is
// stored through a pointer to a type of elem's size and kind: a named type
// (type ID int64) has the layout of its underlying type.
func newSetter(elem reflect.Type, mode setMode, n *vnode) func(unsafe.Pointer, string) issue {
	if elem == timeType {
		return setterOf(mode, func(raw string) (time.Time, issue) {
			t, err := time.Parse(time.RFC3339, raw)
			if err != nil {
				return t, issueTimeParsing
			}
			return t, issue{}
		})
	}
	if implements(elem, textUnmarshalerType) {
		return textSetter(elem, mode, n)
	}
	switch elem.Kind() {
	case reflect.String:
		return setterOf(mode, func(raw string) (string, issue) { return raw, n.checkString(raw) })
	case reflect.Bool:
		return setterOf(mode, func(raw string) (bool, issue) {
			b, err := strconv.ParseBool(raw)
			if err != nil {
				return false, issueBoolParsing
			}
			return b, n.checkBool(b)
		})
	case reflect.Float32:
		return setterOf(mode, func(raw string) (float32, issue) {
			f, iss := parseFloatParam(raw, 32, n)
			return float32(f), iss
		})
	case reflect.Float64:
		return setterOf(mode, func(raw string) (float64, issue) { return parseFloatParam(raw, 64, n) })
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		switch elem.Size() {
		case 1:
			return intSetter[int8](mode, n)
		case 2:
			return intSetter[int16](mode, n)
		case 4:
			return intSetter[int32](mode, n)
		}
		return intSetter[int64](mode, n)
	default: // unsigned
		switch elem.Size() {
		case 1:
			return uintSetter[uint8](mode, n)
		case 2:
			return uintSetter[uint16](mode, n)
		case 4:
			return uintSetter[uint32](mode, n)
		}
		return uintSetter[uint64](mode, n)
	}
}

// textSetter sets an encoding.TextUnmarshaler. Its value has to be handed
// to UnmarshalText as an interface, which takes reflect.NewAt (no type
// walk, no allocation for the value itself).
func textSetter(t reflect.Type, mode setMode, n *vnode) func(unsafe.Pointer, string) issue {
	unmarshal := func(ptr reflect.Value, raw string) issue {
		if iss := n.checkString(raw); !iss.ok() {
			return iss
		}
		if err := ptr.Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(raw)); err != nil {
			return issue{Type: "value_error", Msg: "Value error, " + err.Error()}
		}
		return issue{}
	}
	switch mode {
	case setPointer:
		return func(p unsafe.Pointer, raw string) issue {
			v := reflect.New(t)
			iss := unmarshal(v, raw)
			if iss.ok() {
				*(*unsafe.Pointer)(p) = v.UnsafePointer()
			}
			return iss
		}
	case setSlice:
		st := reflect.SliceOf(t)
		return func(p unsafe.Pointer, raw string) issue {
			v := reflect.New(t)
			iss := unmarshal(v, raw)
			if iss.ok() {
				s := reflect.NewAt(st, p).Elem()
				s.Set(reflect.Append(s, v.Elem()))
			}
			return iss
		}
	}
	return func(p unsafe.Pointer, raw string) issue { return unmarshal(reflect.NewAt(t, p), raw) }
}
