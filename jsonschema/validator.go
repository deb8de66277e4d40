package jsonschema

import (
	"sync"
)

// MaxErrors bounds the problems one validation reports, so that a large
// document of bad items cannot make a much larger answer; packages that add
// problems of their own (typed's parameters) keep to it too.
const MaxErrors = 100

// A Compiler compiles schemas whose $refs name one set of components into
// Validators; the Validators of one Compiler share the compiled components.
// A Compiler is not safe for concurrent use; its Validators are.
type Compiler struct {
	c schemaCompiler
}

// NewCompiler returns a Compiler over components, which it reads but does
// not copy: they must not change while it compiles.
func NewCompiler(components map[string]*Schema) *Compiler {
	return &Compiler{c: schemaCompiler{components: components}}
}

// Compile compiles s, whose $refs name the registry's components, without
// copying them.
func (r *Registry) Compile(s *Schema) (*Validator, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return NewCompiler(r.schemas).Compile(s)
}

// Compile compiles s. A schema that sets no rule, such as a nil s,
// compiles to a nil *Validator, which accepts any value (and checks that a
// document is JSON). The error says which keyword or reference of s cannot
// be compiled.
func (c *Compiler) Compile(s *Schema) (*Validator, error) {
	n, err := c.c.compile(s)
	if err != nil || n == nil {
		return nil, err
	}
	return &Validator{n: n}, nil
}

// A Validator checks values against a compiled schema: whole JSON documents
// in one pass over their bytes (Validate, Normalize), or single values a
// caller has already parsed (CheckString …), such as request parameters. It
// reports every problem, in FastAPI's terms, not only the first. It is safe
// for concurrent use.
type Validator struct {
	n *vnode
}

// states holds the buffers of finished validations for the next ones, as
// encoding/json keeps its encoder states: scratch memory, not state.
var states sync.Pool // *jsonValidator

// Validate checks doc, one JSON document, and appends a FieldError per
// problem to errs, its Loc starting with loc (as ["body"]), up to MaxErrors
// in all. A document that is not JSON gives one json_invalid problem.
func (v *Validator) Validate(doc []byte, loc []any, errs []FieldError) []FieldError {
	_, _, errs = v.check(doc, loc, errs, nil, false)
	return errs
}

// Normalize is Validate for a document about to be decoded into Go values.
// When doc has no problem and the decoder should read another document —
// with the defaults of missing members filled in, or integral numbers of
// integer members (2.0, 1e3, which JSON Schema counts as integers) written
// as integers, as Go's decoders want them — it appends that document to dst
// and returns it with edited true.
func (v *Validator) Normalize(doc []byte, loc []any, errs []FieldError, dst []byte) (out []byte, edited bool, problems []FieldError) {
	return v.check(doc, loc, errs, dst, true)
}

// check runs one validation with pooled buffers.
func (v *Validator) check(doc []byte, loc []any, errs []FieldError, dst []byte, edit bool) ([]byte, bool, []FieldError) {
	st, _ := states.Get().(*jsonValidator)
	if st == nil {
		st = new(jsonValidator)
	}
	before := len(errs)
	st.reset(doc, loc, errs)
	var n *vnode
	if v != nil {
		n = v.n
	}
	errs = st.validate(n)
	var out []byte
	edited := false
	if edit && len(errs) == before {
		out, edited = st.edited(dst)
	}
	st.data, st.errs, st.prefix = nil, nil, nil // keep nothing of the caller's
	if st.small() {
		states.Put(st)
	}
	return out, edited, errs
}

// Locate returns where in doc, a valid JSON document, the scalar value
// whose text holds the byte at offset is — its location after loc, as a
// FieldError's Loc — and the value; at is nil when no scalar holds that
// byte. Decoders report the offset of a value they refuse: Locate names it
// as the validator would.
func Locate(doc []byte, offset int, loc []any) (at []any, value any) {
	var v jsonValidator
	v.reset(doc, loc, nil)
	v.findAt = offset + 1
	v.value(nil)
	return v.found, v.input
}

// An Issue is one problem with one value, before it has a location: the
// FastAPI error type, its message and the limit broken.
type Issue struct {
	Type string         // such as "string_too_short"
	Msg  string         // such as "String should have at least 3 characters"
	Ctx  map[string]any // the limit, such as {"min_length": 3}; nil for none
}

// The checks of single values return nil when the value is fine; a nil
// Validator accepts anything.

// CheckString checks a string against the schema's length, pattern, format
// and enum.
func (v *Validator) CheckString(s string) *Issue {
	if v == nil {
		return nil
	}
	return issuePtr(v.n.checkString(s))
}

// CheckInt checks an integer against the schema's bounds and enum.
func (v *Validator) CheckInt(i int64) *Issue {
	if v == nil {
		return nil
	}
	return issuePtr(v.n.checkInt(i))
}

// CheckUint is CheckInt for unsigned integers.
func (v *Validator) CheckUint(u uint64) *Issue {
	if v == nil {
		return nil
	}
	return issuePtr(v.n.checkUint(u))
}

// CheckFloat checks a number against the schema's bounds and enum.
func (v *Validator) CheckFloat(f float64) *Issue {
	if v == nil {
		return nil
	}
	return issuePtr(v.n.checkFloat(f))
}

// CheckBool checks a boolean against the schema's enum.
func (v *Validator) CheckBool(b bool) *Issue {
	if v == nil {
		return nil
	}
	return issuePtr(v.n.checkBool(b))
}

// CheckCount checks the number of items of an array against the schema's
// minItems and maxItems.
func (v *Validator) CheckCount(n int) *Issue {
	if v == nil || v.n == nil {
		return nil
	}
	return issuePtr(checkCount(n, v.n.minItems, v.n.maxItems))
}

// Items returns the Validator of an array schema's items; nil (any value)
// when it has none.
func (v *Validator) Items() *Validator {
	if v == nil || v.n == nil || v.n.items == nil {
		return nil
	}
	return &Validator{n: v.n.items}
}

// issuePtr returns nil for no issue, else a pointer to iss.
func issuePtr(iss Issue) *Issue {
	if iss.ok() {
		return nil
	}
	return &iss
}
