package dynroute

import (
	"encoding"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/dynroute/dynroute/internal/jsonlit"
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
	if !jsonlit.IsNumber(raw) { // no "NaN", "Inf" or hex floats
		return 0, issueFloatParsing
	}
	f, err := strconv.ParseFloat(raw, bits)
	if err != nil {
		return 0, issueFloatRange
	}
	return f, n.checkFloat(f)
}

// setter parses one raw value, checks it and stores it in field: in the
// field itself, in a new value the field points to, or appended to the
// field's slice. Nothing is stored when the value has a problem.
type setter func(field reflect.Value, raw string) issue

// newSetter makes the setter of a parameter whose values are of type elem,
// stored as mode says.
func newSetter(elem reflect.Type, mode setMode, n *vnode) setter {
	store := scalarSetter(elem, n)
	switch mode {
	case setPointer:
		return func(field reflect.Value, raw string) issue {
			v := reflect.New(elem)
			iss := store(v.Elem(), raw)
			if iss.ok() {
				field.Set(v)
			}
			return iss
		}
	case setSlice:
		return func(field reflect.Value, raw string) issue {
			i := field.Len()
			field.Grow(1)
			field.SetLen(i + 1)
			iss := store(field.Index(i), raw)
			if !iss.ok() {
				field.Index(i).SetZero()
				field.SetLen(i)
			}
			return iss
		}
	}
	return store
}

// scalarSetter makes the setter that stores one value of type elem in a
// value of that type. A named type (type ID int64) is set through its kind.
func scalarSetter(elem reflect.Type, n *vnode) setter {
	if elem == timeType {
		return func(v reflect.Value, raw string) issue {
			t, err := time.Parse(time.RFC3339, raw)
			if err != nil {
				return issueTimeParsing
			}
			v.Set(reflect.ValueOf(t))
			return issue{}
		}
	}
	if implements(elem, textUnmarshalerType) {
		return func(v reflect.Value, raw string) issue {
			if iss := n.checkString(raw); !iss.ok() {
				return iss
			}
			if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(raw)); err != nil {
				return issue{Type: "value_error", Msg: "Value error, " + err.Error()}
			}
			return issue{}
		}
	}
	switch elem.Kind() {
	case reflect.String:
		return func(v reflect.Value, raw string) issue {
			iss := n.checkString(raw)
			if iss.ok() {
				v.SetString(raw)
			}
			return iss
		}
	case reflect.Bool:
		return func(v reflect.Value, raw string) issue {
			b, err := strconv.ParseBool(raw)
			if err != nil {
				return issueBoolParsing
			}
			iss := n.checkBool(b)
			if iss.ok() {
				v.SetBool(b)
			}
			return iss
		}
	case reflect.Float32, reflect.Float64:
		bits := elem.Bits()
		return func(v reflect.Value, raw string) issue {
			f, iss := parseFloatParam(raw, bits, n)
			if iss.ok() {
				v.SetFloat(f)
			}
			return iss
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		// The schema of a narrower type bounds it, so the value fits.
		return func(v reflect.Value, raw string) issue {
			i, iss := parseIntParam(raw, n)
			if iss.ok() {
				v.SetInt(i)
			}
			return iss
		}
	default: // unsigned
		return func(v reflect.Value, raw string) issue {
			u, iss := parseUintParam(raw, n)
			if iss.ok() {
				v.SetUint(u)
			}
			return iss
		}
	}
}
