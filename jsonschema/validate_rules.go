package jsonschema

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dynroute/dynroute/internal/jsonnum"
)

// The rules a value is checked against — numbers compared exactly as
// decimals, strings by length, pattern and format, enums — and the
// FastAPI-style problems they report.

// checkCount checks the number of items of an array.
func checkCount(count, minItems, maxItems int) Issue {
	switch {
	case minItems >= 0 && count < minItems:
		return Issue{Type: "too_short",
			Msg: fmt.Sprintf("List should have at least %d %s after validation, not %d", minItems, plural(minItems, "item"), count),
			Ctx: map[string]any{"field_type": "List", "min_length": minItems, "actual_length": count}}
	case maxItems >= 0 && count > maxItems:
		return Issue{Type: "too_long",
			Msg: fmt.Sprintf("List should have at most %d %s after validation, not %d", maxItems, plural(maxItems, "item"), count),
			Ctx: map[string]any{"field_type": "List", "max_length": maxItems, "actual_length": count}}
	}
	return Issue{}
}

// plural adds an s to word unless n is 1.
func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// typeIssue describes a value of type t where the types in want were
// expected; a number there is one with a fractional part.
func typeIssue(want, t jsonTypes) Issue {
	want &^= typeNull
	if t == typeNumber && want == typeInteger {
		return Issue{Type: "int_from_float", Msg: "Input should be a valid integer, got a number with a fractional part"}
	}
	names := []struct {
		bit        jsonTypes
		typ, human string
	}{
		{typeString, "string_type", "string"},
		{typeInteger, "int_type", "integer"},
		{typeNumber, "float_type", "number"},
		{typeBoolean, "bool_type", "boolean"},
		{typeObject, "object_type", "object"},
		{typeArray, "array_type", "array"},
	}
	var human []string
	typ := ""
	for _, n := range names {
		if want&n.bit != 0 {
			human = append(human, n.human)
			typ = n.typ
		}
	}
	switch len(human) {
	case 0:
		return Issue{Type: "none_required", Msg: "Input should be null"}
	case 1:
		return Issue{Type: typ, Msg: "Input should be a valid " + human[0]}
	}
	return Issue{Type: "type_error", Msg: "Input should be a valid " + strings.Join(human[:len(human)-1], ", ") + " or " + human[len(human)-1]}
}

// decimal is the exact value of a JSON number: 0.d₁d₂…dₙ × 10^exp, where the
// digits are hi followed by lo, without leading or trailing zeros (n = 0 for
// zero). Comparing decimals compares the numbers exactly, as JSON Schema
// asks, without rounding to float64.
type decimal struct {
	neg    bool
	hi, lo []byte
	exp    int
}

// n is the number of significant digits.
func (d *decimal) n() int { return len(d.hi) + len(d.lo) }

// digit returns the i-th significant digit.
func (d *decimal) digit(i int) byte {
	if i < len(d.hi) {
		return d.hi[i]
	}
	return d.lo[i-len(d.hi)]
}

// isInteger reports whether d has no fractional part.
func (d *decimal) isInteger() bool { return d.n() <= d.exp || d.n() == 0 }

// parseDecimal reads a syntactically valid JSON number (or a number strconv
// formatted, which may have "e+"). The result shares tok's memory.
func parseDecimal(tok []byte) decimal {
	var d decimal
	i := 0
	if i < len(tok) && tok[i] == '-' {
		d.neg = true
		i++
	}
	s := i
	for i < len(tok) && tok[i] >= '0' && tok[i] <= '9' {
		i++
	}
	intPart := tok[s:i]
	var frac []byte
	if i < len(tok) && tok[i] == '.' {
		i++
		s = i
		for i < len(tok) && tok[i] >= '0' && tok[i] <= '9' {
			i++
		}
		frac = tok[s:i]
	}
	e := 0
	if i < len(tok) && (tok[i] == 'e' || tok[i] == 'E') {
		i++
		eneg := false
		if i < len(tok) && (tok[i] == '+' || tok[i] == '-') {
			eneg = tok[i] == '-'
			i++
		}
		for ; i < len(tok); i++ {
			if e < 1e15 { // beyond this every exponent compares alike
				e = e*10 + int(tok[i]-'0')
			}
		}
		if eneg {
			e = -e
		}
	}
	for len(intPart) > 0 && intPart[0] == '0' {
		intPart = intPart[1:]
	}
	if len(intPart) > 0 {
		d.hi, d.lo, d.exp = intPart, frac, len(intPart)
	} else {
		z := 0
		for z < len(frac) && frac[z] == '0' {
			z++
		}
		d.lo, d.exp = frac[z:], -z
	}
	for len(d.lo) > 0 && d.lo[len(d.lo)-1] == '0' {
		d.lo = d.lo[:len(d.lo)-1]
	}
	if len(d.lo) == 0 {
		for len(d.hi) > 0 && d.hi[len(d.hi)-1] == '0' {
			d.hi = d.hi[:len(d.hi)-1]
		}
	}
	if d.n() == 0 {
		return decimal{}
	}
	d.exp += e
	return d
}

// cmpDecimal compares a and b: -1, 0 or +1.
func cmpDecimal(a, b *decimal) int {
	az, bz := a.n() == 0, b.n() == 0
	switch {
	case az && bz:
		return 0
	case az:
		if b.neg {
			return 1
		}
		return -1
	case bz:
		if a.neg {
			return -1
		}
		return 1
	case a.neg != b.neg:
		if a.neg {
			return -1
		}
		return 1
	}
	c := 0
	switch {
	case a.exp > b.exp:
		c = 1
	case a.exp < b.exp:
		c = -1
	default:
		na, nb := a.n(), b.n()
		for i := 0; i < min(na, nb) && c == 0; i++ {
			switch da, db := a.digit(i), b.digit(i); {
			case da > db:
				c = 1
			case da < db:
				c = -1
			}
		}
		if c == 0 {
			switch {
			case na > nb:
				c = 1
			case na < nb:
				c = -1
			}
		}
	}
	if a.neg {
		return -c
	}
	return c
}

// formatNumber formats f as encoding/json does, which is also how the
// number appears in a schema and in messages.
func formatNumber(f float64) string {
	b, err := json.Marshal(f)
	if err != nil {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return string(b)
}

// numBound is one limit of a numRules.
type numBound struct {
	text  string // as JSON writes it
	dec   decimal
	i     int64 // the bound, when it is a whole number that fits int64
	isInt bool
}

// newNumBound makes the bound f, as the schema writes it.
func newNumBound(f float64) *numBound {
	b := &numBound{text: formatNumber(f)}
	b.dec = parseDecimal([]byte(b.text))
	if f == float64(int64(f)) && f >= -1<<63 && f < 1<<63 {
		b.i, b.isInt = int64(f), true
	}
	return b
}

// numRules are the limits on a number.
type numRules struct {
	min, max, xmin, xmax *numBound
	allInt               bool // every bound set isInt: int64 values compare directly
	bits                 int  // the float a decoder makes of a JSON number: 32 for format "float", else 64
}

// check checks the exact value d.
func (r *numRules) check(d *decimal) Issue {
	switch {
	case r.min != nil && cmpDecimal(d, &r.min.dec) < 0:
		return boundIssue("greater_than_equal", "greater than or equal to", "ge", r.min)
	case r.xmin != nil && cmpDecimal(d, &r.xmin.dec) <= 0:
		return boundIssue("greater_than", "greater than", "gt", r.xmin)
	case r.max != nil && cmpDecimal(d, &r.max.dec) > 0:
		return boundIssue("less_than_equal", "less than or equal to", "le", r.max)
	case r.xmax != nil && cmpDecimal(d, &r.xmax.dec) >= 0:
		return boundIssue("less_than", "less than", "lt", r.xmax)
	}
	return Issue{}
}

// checkDecoded checks the float a decoder makes of the JSON number text,
// which passed check: rounding may carry a value within an exclusive bound
// onto it (1e-400 becomes 0, 0.99999999999999999999 becomes 1), and the
// handler must never receive a value its schema forbids. A number too large
// for the float is left to the decoder, which refuses it.
func (r *numRules) checkDecoded(text []byte) Issue {
	f, err := strconv.ParseFloat(string(text), r.bits)
	if err != nil {
		return Issue{}
	}
	var buf [32]byte
	d := parseDecimal(strconv.AppendFloat(buf[:0], f, 'g', -1, r.bits))
	return r.check(&d)
}

// checkInt checks a Go integer, without formatting it when it can.
func (r *numRules) checkInt(v int64) Issue {
	if !r.allInt {
		var buf [24]byte
		d := parseDecimal(strconv.AppendInt(buf[:0], v, 10))
		return r.check(&d)
	}
	switch {
	case r.min != nil && v < r.min.i:
		return boundIssue("greater_than_equal", "greater than or equal to", "ge", r.min)
	case r.xmin != nil && v <= r.xmin.i:
		return boundIssue("greater_than", "greater than", "gt", r.xmin)
	case r.max != nil && v > r.max.i:
		return boundIssue("less_than_equal", "less than or equal to", "le", r.max)
	case r.xmax != nil && v >= r.xmax.i:
		return boundIssue("less_than", "less than", "lt", r.xmax)
	}
	return Issue{}
}

// checkUint is checkInt for unsigned values.
func (r *numRules) checkUint(v uint64) Issue {
	if v <= 1<<63-1 {
		return r.checkInt(int64(v))
	}
	var buf [24]byte
	d := parseDecimal(strconv.AppendUint(buf[:0], v, 10))
	return r.check(&d)
}

// boundIssue is the problem of a number beyond bound b.
func boundIssue(typ, words, key string, b *numBound) Issue {
	return Issue{Type: typ, Msg: "Input should be " + words + " " + b.text, Ctx: map[string]any{key: json.Number(b.text)}}
}

// strRules are the limits on a string.
type strRules struct {
	minLen, maxLen int // in code points; -1 when not set
	pattern        *regexp.Regexp
	format         string
	valid          func(string) bool // the format's check; nil: not asserted
}

// check checks s: length, then pattern, then format.
func (r *strRules) check(s string) Issue {
	if r.minLen >= 0 || r.maxLen >= 0 {
		if iss := r.length(utf8.RuneCountInString(s)); !iss.ok() {
			return iss
		}
	}
	if r.pattern != nil && !r.pattern.MatchString(s) {
		return r.mismatch()
	}
	if r.valid != nil && !r.valid(s) {
		return formatIssue(r.format)
	}
	return Issue{}
}

// checkBytes is check for a string the validator decoded, as bytes: only a
// format check makes a string of them.
func (r *strRules) checkBytes(b []byte) Issue {
	if r.minLen >= 0 || r.maxLen >= 0 {
		if iss := r.length(utf8.RuneCount(b)); !iss.ok() {
			return iss
		}
	}
	if r.pattern != nil && !r.pattern.Match(b) {
		return r.mismatch()
	}
	if r.valid != nil && !r.valid(string(b)) {
		return formatIssue(r.format)
	}
	return Issue{}
}

// length checks a string of n code points against minLength and maxLength.
func (r *strRules) length(n int) Issue {
	if r.minLen >= 0 && n < r.minLen {
		return Issue{Type: "string_too_short",
			Msg: fmt.Sprintf("String should have at least %d %s", r.minLen, plural(r.minLen, "character")),
			Ctx: map[string]any{"min_length": r.minLen}}
	}
	if r.maxLen >= 0 && n > r.maxLen {
		return Issue{Type: "string_too_long",
			Msg: fmt.Sprintf("String should have at most %d %s", r.maxLen, plural(r.maxLen, "character")),
			Ctx: map[string]any{"max_length": r.maxLen}}
	}
	return Issue{}
}

// mismatch is the problem of a string the pattern does not match.
func (r *strRules) mismatch() Issue {
	return Issue{Type: "string_pattern_mismatch",
		Msg: "String should match pattern '" + r.pattern.String() + "'",
		Ctx: map[string]any{"pattern": r.pattern.String()}}
}

// formatIssue is the problem of a string not in format, in pydantic's words.
func formatIssue(format string) Issue {
	ctx := map[string]any{"format": format}
	switch format {
	case "email":
		return Issue{Type: "value_error", Msg: "value is not a valid email address", Ctx: ctx}
	case "uuid":
		return Issue{Type: "uuid_parsing", Msg: "Input should be a valid UUID", Ctx: ctx}
	case "date-time":
		return Issue{Type: "datetime_parsing", Msg: "Input should be a valid datetime (RFC 3339)", Ctx: ctx}
	case "uri":
		return Issue{Type: "url_parsing", Msg: "Input should be a valid URL (an absolute URI)", Ctx: ctx}
	}
	return Issue{Type: "value_error", Msg: "Input should be a valid " + format, Ctx: ctx}
}

// enumSet is the allowed values of an enum.
type enumSet struct {
	strs                       []string
	nums                       []*numBound
	hasTrue, hasFalse, hasNull bool
	text                       string // "'a', 'b' or 'c'"
}

// hasNumber reports whether the number d is one of the values.
func (e *enumSet) hasNumber(d *decimal) bool {
	for _, n := range e.nums {
		if cmpDecimal(d, &n.dec) == 0 {
			return true
		}
	}
	return false
}

// hasBool reports whether b is one of the values.
func (e *enumSet) hasBool(b bool) bool { return (b && e.hasTrue) || (!b && e.hasFalse) }

// issue is the problem of a value not in the enum.
func (e *enumSet) issue() Issue {
	return Issue{Type: "enum", Msg: "Input should be " + e.text, Ctx: map[string]any{"expected": e.text}}
}

// newEnumSet compiles the values of an enum keyword.
func newEnumSet(values []any) (*enumSet, error) {
	e := &enumSet{}
	var words []string
	for _, x := range values {
		switch x := x.(type) {
		case string:
			e.strs = append(e.strs, x)
			words = append(words, "'"+x+"'")
			continue
		case bool:
			if x {
				e.hasTrue = true
			} else {
				e.hasFalse = true
			}
		case nil:
			e.hasNull = true
		default:
			text, err := json.Marshal(x)
			if err != nil || !jsonnum.Valid(text) {
				return nil, fmt.Errorf("enum value %v is not a string, number, boolean or null", x)
			}
			b := &numBound{text: string(text)}
			b.dec = parseDecimal([]byte(b.text))
			e.nums = append(e.nums, b)
		}
		b, _ := json.Marshal(x)
		words = append(words, string(b))
	}
	switch len(words) {
	case 0:
		e.text = "nothing (the enum is empty)"
	case 1:
		e.text = words[0]
	default:
		e.text = strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
	}
	return e, nil
}

// checkString checks a string parameter against the rules of its schema.
func (n *vnode) checkString(s string) Issue {
	if n == nil {
		return Issue{}
	}
	if n.str != nil {
		if iss := n.str.check(s); !iss.ok() {
			return iss
		}
	}
	if n.enum != nil && !containsString(n.enum.strs, s) {
		return n.enum.issue()
	}
	return Issue{}
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
func (n *vnode) checkNumber(text []byte) Issue {
	d := parseDecimal(text)
	if n.num != nil {
		if iss := n.num.check(&d); !iss.ok() {
			return iss
		}
	}
	if n.enum != nil && !n.enum.hasNumber(&d) {
		return n.enum.issue()
	}
	return Issue{}
}

// checkInt checks an integer parameter; without an enum no formatting is needed.
func (n *vnode) checkInt(v int64) Issue {
	if n == nil || (n.num == nil && n.enum == nil) {
		return Issue{}
	}
	if n.enum == nil {
		return n.num.checkInt(v)
	}
	var buf [24]byte
	return n.checkNumber(strconv.AppendInt(buf[:0], v, 10))
}

// checkUint is checkInt for unsigned values.
func (n *vnode) checkUint(v uint64) Issue {
	if n == nil || (n.num == nil && n.enum == nil) {
		return Issue{}
	}
	if n.enum == nil {
		return n.num.checkUint(v)
	}
	var buf [24]byte
	return n.checkNumber(strconv.AppendUint(buf[:0], v, 10))
}

// checkFloat checks a float parameter.
func (n *vnode) checkFloat(f float64) Issue {
	if n == nil || (n.num == nil && n.enum == nil) {
		return Issue{}
	}
	var buf [32]byte
	return n.checkNumber(strconv.AppendFloat(buf[:0], f, 'g', -1, 64))
}

// checkBool checks a bool parameter against an enum.
func (n *vnode) checkBool(b bool) Issue {
	if n == nil || n.enum == nil || n.enum.hasBool(b) {
		return Issue{}
	}
	return n.enum.issue()
}
