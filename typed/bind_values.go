package typed

import (
	"encoding"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/dynroute/dynroute/internal/gotypes"
	"github.com/dynroute/dynroute/internal/jsonnum"
	"github.com/dynroute/dynroute/jsonschema"
)

// Parameter values: parsing one raw string into a field of the In value and
// checking it against the rules compiled from the parameter's schema, the
// same rules the body's validator applies to JSON values.

// The problems of parameters that do not parse, in pydantic's words.
var (
	issueIntParsing   = &jsonschema.Issue{Type: "int_parsing", Msg: "Input should be a valid integer, unable to parse string as an integer"}
	issueIntRange     = &jsonschema.Issue{Type: "int_parsing", Msg: "Input should be a valid integer, the number is out of range"}
	issueFloatParsing = &jsonschema.Issue{Type: "float_parsing", Msg: "Input should be a valid number, unable to parse string as a number"}
	issueFloatRange   = &jsonschema.Issue{Type: "float_parsing", Msg: "Input should be a finite number, the number is out of range"}
	issueBoolParsing  = &jsonschema.Issue{Type: "bool_parsing", Msg: "Input should be a valid boolean, unable to interpret input"}
	issueTimeParsing  = &jsonschema.Issue{Type: "datetime_parsing", Msg: "Input should be a valid datetime (RFC 3339)"}
)

// parseIntParam parses and checks a signed integer parameter.
func parseIntParam(raw string, v *jsonschema.Validator) (int64, *jsonschema.Issue) {
	i, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, issueIntRange
		}
		return 0, issueIntParsing
	}
	return i, v.CheckInt(i)
}

// parseUintParam parses and checks an unsigned integer parameter.
func parseUintParam(raw string, v *jsonschema.Validator) (uint64, *jsonschema.Issue) {
	if strings.HasPrefix(raw, "-") {
		// A negative number is an integer that breaks the type's minimum
		// of 0: say that, as the body's validator does.
		if i, err := strconv.ParseInt(raw, 10, 64); err == nil {
			if iss := v.CheckInt(i); iss != nil {
				return 0, iss
			}
		}
		return 0, issueIntParsing
	}
	u, err := strconv.ParseUint(raw, 10, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, issueIntRange
		}
		return 0, issueIntParsing
	}
	return u, v.CheckUint(u)
}

// parseFloatParam parses a float parameter written as a JSON number.
func parseFloatParam(raw string, bits int, v *jsonschema.Validator) (float64, *jsonschema.Issue) {
	// A JSON number and nothing else: not "NaN", "Inf", "0x1" or " 1",
	// which strconv would read or misreport.
	if !jsonnum.Valid(raw) {
		return 0, issueFloatParsing
	}
	f, err := strconv.ParseFloat(raw, bits)
	if err != nil {
		return 0, issueFloatRange
	}
	return f, v.CheckFloat(f)
}

// setter parses one raw value, checks it and stores it in field: in the
// field itself, in a new value the field points to, or appended to the
// field's slice. It returns the value's problem, and then stores nothing.
type setter func(field reflect.Value, raw string) *jsonschema.Issue

// newSetter makes the setter of a parameter whose values are of type elem,
// stored as mode says and checked by v.
func newSetter(elem reflect.Type, mode setMode, v *jsonschema.Validator) setter {
	store := scalarSetter(elem, v)
	switch mode {
	case setPointer:
		return func(field reflect.Value, raw string) *jsonschema.Issue {
			p := reflect.New(elem)
			iss := store(p.Elem(), raw)
			if iss == nil {
				field.Set(p)
			}
			return iss
		}
	case setSlice:
		return func(field reflect.Value, raw string) *jsonschema.Issue {
			i := field.Len()
			field.Grow(1)
			field.SetLen(i + 1)
			iss := store(field.Index(i), raw)
			if iss != nil {
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
func scalarSetter(elem reflect.Type, v *jsonschema.Validator) setter {
	if elem == gotypes.Time {
		return func(field reflect.Value, raw string) *jsonschema.Issue {
			t, err := time.Parse(time.RFC3339, raw)
			if err != nil {
				return issueTimeParsing
			}
			*field.Addr().Interface().(*time.Time) = t // no boxing of t
			return nil
		}
	}
	if gotypes.Implements(elem, gotypes.TextUnmarshaler) {
		return func(field reflect.Value, raw string) *jsonschema.Issue {
			if iss := v.CheckString(raw); iss != nil {
				return iss
			}
			if err := field.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(raw)); err != nil {
				return &jsonschema.Issue{Type: "value_error", Msg: "Value error, " + err.Error()}
			}
			return nil
		}
	}
	switch elem.Kind() {
	case reflect.String:
		return func(field reflect.Value, raw string) *jsonschema.Issue {
			iss := v.CheckString(raw)
			if iss == nil {
				field.SetString(raw)
			}
			return iss
		}
	case reflect.Bool:
		return func(field reflect.Value, raw string) *jsonschema.Issue {
			b, err := strconv.ParseBool(raw)
			if err != nil {
				return issueBoolParsing
			}
			iss := v.CheckBool(b)
			if iss == nil {
				field.SetBool(b)
			}
			return iss
		}
	case reflect.Float32, reflect.Float64:
		bits := elem.Bits()
		return func(field reflect.Value, raw string) *jsonschema.Issue {
			f, iss := parseFloatParam(raw, bits, v)
			if iss == nil {
				field.SetFloat(f)
			}
			return iss
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		// The schema of a narrower type bounds it, so the value fits.
		return func(field reflect.Value, raw string) *jsonschema.Issue {
			i, iss := parseIntParam(raw, v)
			if iss == nil {
				field.SetInt(i)
			}
			return iss
		}
	default: // unsigned
		return func(field reflect.Value, raw string) *jsonschema.Issue {
			u, iss := parseUintParam(raw, v)
			if iss == nil {
				field.SetUint(u)
			}
			return iss
		}
	}
}
