package jsonschema_test

import (
	"fmt"
	"reflect"

	"github.com/dynroute/dynroute/jsonschema"
)

// Address and Order are the types the examples describe.
type Address struct {
	Street string `json:"street" minLength:"1"`
	Zip    string `json:"zip" pattern:"^[0-9]{5}$"`
}

type Order struct {
	Email string   `json:"email" format:"email"`
	Qty   int      `json:"qty" minimum:"1" maximum:"99"`
	Ship  *Address `json:"ship,omitempty"`
	Kind  string   `json:"kind" enum:"gift,plain" default:"plain"`
}

// A struct type becomes a component; its fields' tags become keywords.
func ExampleRegistry_Schema() {
	reg := jsonschema.NewRegistry(nil)
	s, err := reg.Schema(reflect.TypeFor[Order]())
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Ref)
	for _, name := range []string{"Order", "Address"} {
		b, _ := reg.Components()[name].MarshalJSON()
		fmt.Println(name, string(b))
	}
	// Output:
	// #/components/schemas/Order
	// Order {"type":"object","properties":{"email":{"type":"string","format":"email"},"qty":{"type":"integer","format":"int64","minimum":1,"maximum":99},"ship":{"anyOf":[{"$ref":"#/components/schemas/Address"},{"type":"null"}]},"kind":{"type":"string","enum":["gift","plain"],"default":"plain"}},"required":["email","qty"]}
	// Address {"type":"object","properties":{"street":{"type":"string","minLength":1},"zip":{"type":"string","pattern":"^[0-9]{5}$"}},"required":["street","zip"]}
}

// Every problem of a document, located, in FastAPI's terms.
func ExampleValidator_Validate() {
	reg := jsonschema.NewRegistry(nil)
	s, _ := reg.Schema(reflect.TypeFor[Order]())
	v, err := reg.Compile(s)
	if err != nil {
		panic(err)
	}
	doc := []byte(`{"email":"ann@example.org","qty":0,"ship":{"street":"","zip":"7"},"kind":"box"}`)
	for _, p := range v.Validate(doc, []any{"body"}, nil) {
		fmt.Println(p.Loc, p.Type, p.Msg)
	}
	// Output:
	// [body qty] greater_than_equal Input should be greater than or equal to 1
	// [body ship street] string_too_short String should have at least 1 character
	// [body ship zip] string_pattern_mismatch String should match pattern '^[0-9]{5}$'
	// [body kind] enum Input should be 'gift' or 'plain'
}

// Normalize gives a decoder the document with the defaults filled in.
func ExampleValidator_Normalize() {
	reg := jsonschema.NewRegistry(nil)
	s, _ := reg.Schema(reflect.TypeFor[Order]())
	v, _ := reg.Compile(s)
	out, edited, problems := v.Normalize([]byte(`{"email":"ann@example.org","qty":2.0}`), []any{"body"}, nil, nil)
	fmt.Println(string(out), edited, len(problems))
	// Output:
	// {"kind":"plain","email":"ann@example.org","qty":2} true 0
}
