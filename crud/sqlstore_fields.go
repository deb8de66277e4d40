package crud

// The field plan of a SQLStore: which fields of T are columns, and how
// their values are bound, scanned and filtered, worked out once by
// NewSQLStore.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/dynroute/dynroute/internal/gotypes"
	"github.com/dynroute/dynroute/internal/sqlname"
)

// sqlFields collects the db-tagged fields of struct type t, whose index in
// the outermost type starts with prefix.
func sqlFields(t reflect.Type, prefix []int) ([]sqlField, error) {
	var out []sqlField
	for i := range t.NumField() {
		sf := t.Field(i)
		index := append(slices.Clip(prefix), i)
		tag, hasTag := sf.Tag.Lookup("db")
		if tag == "-" {
			continue
		}
		if tag == "" && hasTag {
			return nil, fmt.Errorf("field %s: empty db tag: name the column, or db:\"-\"", sf.Name)
		}
		if !hasTag {
			if sf.Anonymous {
				ft := sf.Type
				if ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct {
					return nil, fmt.Errorf("field %s: embedded pointers are not supported: embed the struct, or tag the field db:\"-\"", sf.Name)
				}
				if ft.Kind() == reflect.Struct && ft != gotypes.Time {
					inner, err := sqlFields(ft, index)
					if err != nil {
						return nil, err
					}
					out = append(out, inner...)
				}
			}
			continue
		}
		if strings.Contains(tag, ",") {
			return nil, fmt.Errorf("field %s: db tag %q: options are not supported", sf.Name, tag)
		}
		if !sqlColumnName.MatchString(tag) {
			return nil, fmt.Errorf("field %s: column name %q: want letters, digits and underscores", sf.Name, tag)
		}
		if !sf.IsExported() {
			return nil, fmt.Errorf("field %s (column %q) is not exported", sf.Name, tag)
		}
		f := sqlField{column: tag, quoted: sqlname.Quote(tag), index: index, typ: sf.Type}
		if err := f.plan(); err != nil {
			return nil, fmt.Errorf("field %s (column %q): %w", sf.Name, tag, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// plan works out how f's values are bound, scanned and filtered.
func (f *sqlField) plan() error {
	t := f.typ
	arg, err := sqlArg(t)
	if err != nil {
		return err
	}
	f.arg = arg
	f.nullable = t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice ||
		t.Implements(sqlValuerType) || reflect.PointerTo(t).Implements(sqlScannerType)
	switch {
	case reflect.PointerTo(t).Implements(sqlScannerType):
	case t == gotypes.Time:
		f.set = func(v reflect.Value, src any) error {
			tm, err := sqlTime(src)
			if err == nil {
				v.Set(reflect.ValueOf(tm))
			}
			return err
		}
	case t.Kind() == reflect.Pointer && t.Elem() == gotypes.Time:
		f.set = func(v reflect.Value, src any) error {
			if src == nil {
				v.SetZero()
				return nil
			}
			tm, err := sqlTime(src)
			if err == nil {
				v.Set(reflect.ValueOf(&tm))
			}
			return err
		}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 && t != sqlBytesType:
		// database/sql would convert the driver's buffer without copying it.
		f.set = func(v reflect.Value, src any) error {
			switch src := src.(type) {
			case nil:
				v.SetZero()
			case []byte:
				v.SetBytes(bytes.Clone(src))
			case string:
				v.SetBytes([]byte(src))
			default:
				return fmt.Errorf("cannot store %T in %v", src, t)
			}
			return nil
		}
	case !sqlScannable(t):
		return fmt.Errorf("type %v cannot be scanned: implement sql.Scanner", t)
	}
	f.filter = sqlFilter(t, arg)
	return nil
}

// sqlScannable reports whether database/sql scans into a *t by itself.
func sqlScannable(t reflect.Type) bool {
	if reflect.PointerTo(t).Implements(sqlScannerType) {
		return true
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
		if reflect.PointerTo(t).Implements(sqlScannerType) {
			return true
		}
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return t == sqlBytesType
}

// sqlArg returns the function that makes a bound parameter of a value of
// type t.
func sqlArg(t reflect.Type) (func(reflect.Value) (any, error), error) {
	switch {
	case t.Implements(sqlValuerType):
		// database/sql calls Value, and makes a nil pointer NULL.
		return func(v reflect.Value) (any, error) { return v.Interface(), nil }, nil
	case reflect.PointerTo(t).Implements(sqlValuerType):
		return func(v reflect.Value) (any, error) { return v.Addr().Interface(), nil }, nil
	case t == gotypes.Time:
		// Round(0) drops the monotonic clock reading, which drivers that
		// write times as text would keep.
		return func(v reflect.Value) (any, error) { return v.Interface().(time.Time).Round(0), nil }, nil
	case t.Kind() == reflect.Pointer:
		if t.Elem().Kind() == reflect.Pointer {
			return nil, fmt.Errorf("type %v: pointers to pointers are not supported", t)
		}
		elem, err := sqlArg(t.Elem())
		if err != nil {
			return nil, err
		}
		return func(v reflect.Value) (any, error) {
			if v.IsNil() {
				return nil, nil
			}
			return elem(v.Elem())
		}, nil
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return func(v reflect.Value) (any, error) { return v.Bytes(), nil }, nil
	}
	switch t.Kind() {
	case reflect.String:
		return func(v reflect.Value) (any, error) { return v.String(), nil }, nil
	case reflect.Bool:
		return func(v reflect.Value) (any, error) { return v.Bool(), nil }, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(v reflect.Value) (any, error) { return v.Int(), nil }, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return func(v reflect.Value) (any, error) {
			if u := v.Uint(); u <= math.MaxInt64 {
				return int64(u), nil
			}
			return nil, fmt.Errorf("%d does not fit a 64-bit signed integer column", v.Uint())
		}, nil
	case reflect.Float32, reflect.Float64:
		return func(v reflect.Value) (any, error) { return v.Float(), nil }, nil
	}
	return nil, fmt.Errorf("type %v cannot be stored: implement driver.Valuer and sql.Scanner", t)
}

// sqlFilter returns the function that turns a Filter value (string, int64,
// float64 or bool) into a bound parameter for a column of type t: first a
// value of t (of its element type, for pointers), then what arg makes of it.
func sqlFilter(t reflect.Type, arg func(reflect.Value) (any, error)) func(any) (any, error) {
	if t.Kind() == reflect.Pointer && !t.Implements(sqlValuerType) {
		elemArg, err := sqlArg(t.Elem())
		if err != nil { // sqlArg(t) checked the element type already
			return func(any) (any, error) { return nil, err }
		}
		t, arg = t.Elem(), elemArg
	}
	mismatch := func(v any) error { return fmt.Errorf("a %T value does not fit a field of type %v", v, t) }
	switch {
	case t == gotypes.Time:
		return func(v any) (any, error) {
			s, ok := v.(string)
			if !ok {
				return nil, mismatch(v)
			}
			tm, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return nil, fmt.Errorf("want an RFC 3339 time: %w", err)
			}
			return arg(reflect.ValueOf(tm))
		}
	case reflect.PointerTo(t).Implements(gotypes.JSONUnmarshaler) || reflect.PointerTo(t).Implements(gotypes.TextUnmarshaler) ||
		t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		// The filter value is the field's JSON value: decode it as such.
		return func(v any) (any, error) {
			b, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			p := reflect.New(t)
			if err := json.Unmarshal(b, p.Interface()); err != nil {
				return nil, err
			}
			return arg(p.Elem())
		}
	}
	var set func(reflect.Value, any) bool
	switch t.Kind() {
	case reflect.String:
		set = func(x reflect.Value, v any) bool {
			s, ok := v.(string)
			x.SetString(s)
			return ok
		}
	case reflect.Bool:
		set = func(x reflect.Value, v any) bool {
			b, ok := v.(bool)
			x.SetBool(b)
			return ok
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		set = func(x reflect.Value, v any) bool {
			n, ok := filterInt(v)
			if !ok || x.OverflowInt(n) {
				return false
			}
			x.SetInt(n)
			return true
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		set = func(x reflect.Value, v any) bool {
			n, ok := filterInt(v)
			if !ok || n < 0 || x.OverflowUint(uint64(n)) {
				return false
			}
			x.SetUint(uint64(n))
			return true
		}
	case reflect.Float32, reflect.Float64:
		set = func(x reflect.Value, v any) bool {
			switch v := v.(type) {
			case float64:
				x.SetFloat(v)
			case int64:
				x.SetFloat(float64(v))
			default:
				return false
			}
			return true
		}
	default:
		// A Valuer of its own kind, such as sql.NullString: the driver
		// compares the value as given.
		return func(v any) (any, error) { return v, nil }
	}
	return func(v any) (any, error) {
		x := reflect.New(t).Elem()
		if !set(x, v) {
			return nil, mismatch(v)
		}
		return arg(x)
	}
}

// filterInt returns an integer filter value, also one given as an integral
// float64.
func filterInt(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n, true
		}
		// 1e3 and 2.0 are integers too, as encoding/json's float64 was.
		if f, err := v.Float64(); err == nil {
			return filterInt(f)
		}
	case float64:
		if v == math.Trunc(v) && v >= math.MinInt64 && v < math.MaxInt64 {
			return int64(v), true
		}
	}
	return 0, false
}

// sqlTime reads a time column's value: a time.Time from drivers that know
// the column holds times, else text in one of the usual layouts.
func sqlTime(src any) (time.Time, error) {
	var s string
	switch src := src.(type) {
	case time.Time:
		return src, nil
	case string:
		s = src
	case []byte:
		s = string(src)
	case nil:
		return time.Time{}, errors.New("NULL in a time.Time field: use *time.Time or sql.NullTime")
	default:
		return time.Time{}, fmt.Errorf("cannot read a %T as a time", src)
	}
	for _, layout := range sqlTimeForms {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read %q as a time", s)
}
