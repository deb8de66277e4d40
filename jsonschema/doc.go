// Package jsonschema builds JSON Schemas from Go types and validates JSON
// against them: the subset of JSON Schema 2020-12 that OpenAPI 3.1 uses, the
// schemas dynroute documents and enforces. It knows nothing of HTTP; package
// typed binds requests with it and the Router's OpenAPI document shows its
// schemas.
//
// # Quick start
//
//	reg := jsonschema.NewRegistry(nil)
//	s, err := reg.Schema(reflect.TypeFor[Order]()) // $ref to the component "Order"
//	v, err := reg.Compile(s)
//	problems := v.Validate(body, []any{"body"}, nil) // every problem, FastAPI's shape
//
// # Schemas from Go types
//
// A Registry turns Go types into schemas as encoding/json sees them (json
// tags, embedded structs flattened, pointers nullable) and keeps each named
// struct type as a component, referred to by "#/components/schemas/Name", so
// that recursive types are finite and an API's types are described once.
// Struct fields refine their schemas with tags, each keyword a tag of its
// own so that values need no escaping:
//
//	Tag                    Applies to                 Meaning
//	required:"true"        fields                     must be present; "false" makes a field optional
//	minimum:"1"            numbers                    ≥ 1
//	maximum:"100"          numbers                    ≤ 100
//	exclusiveMinimum:"0"   numbers                    > 0
//	exclusiveMaximum:"1"   numbers                    < 1
//	minLength:"3"          strings                    at least 3 characters (Unicode code points)
//	maxLength:"50"         strings                    at most 50 characters
//	pattern:"^[a-z]+$"     strings                    the Go regexp matches (unanchored unless ^…$)
//	enum:"a,b,c"           strings, numbers, bools    one of the comma-separated values
//	format:"email"         strings                    email, uuid, date-time or uri
//	minItems:"1"           slices, arrays             at least 1 item
//	maxItems:"10"          slices, arrays             at most 10 items
//	default:"20"           fields                     the value when missing
//	doc:"…"                anything                   the description
//	example:"…"            anything                   an example
//
// On a slice the value limits apply to each item. A member is required
// unless its json tag says omitempty or omitzero, it is a pointer (nullable
// then) or it has a default; the required tag decides when present. A
// default or example is parsed for the field's type (JSON for a field that
// is not a scalar) and must satisfy the field's own rules. A limit that does
// not fit the field's type, an unknown format, a pattern that does not
// compile or a tag that looks like a misspelt keyword (minlength, min, ge, …)
// is an error wrapping ErrInvalidTag that names the field.
//
// # Validation
//
// A Validator, compiled from a schema, checks a JSON document in one pass
// over its bytes: numbers exactly, as decimals, and also as the float a
// decoder makes of them (float32 for format "float"), so that a value whose
// text is within a bound but which rounds onto it (1e-400 against
// exclusiveMinimum 0) is refused rather than handed over as 0; strings by length in code
// points, pattern, format and enum; required and unknown members. It reports
// every problem as a FieldError — location, message, type, input, limit — in
// FastAPI's terms, up to MaxErrors. Normalize also gives the document a
// decoder should read, with defaults filled in; the Check methods check
// values that are not JSON, such as request parameters already parsed.
// Registry.Compile compiles against the Registry's components; a Compiler
// (NewCompiler) does the same for components from elsewhere, such as an
// OpenAPI document's. Validators are safe for concurrent use.
//
// Schemas are written as JSON (MarshalJSON, AppendJSON) in the 2020-12
// dialect or in OpenAPI 3.0's, with their keywords in a fixed order.
package jsonschema
