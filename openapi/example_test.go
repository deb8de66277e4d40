package openapi_test

import (
	"fmt"

	"github.com/dynroute/dynroute/jsonschema"
	"github.com/dynroute/dynroute/openapi"
)

// A document written by hand, in both versions: MarshalJSON30 turns the
// 3.1 form's nullable types and numeric exclusive bounds into 3.0's.
func ExampleDocument_MarshalJSON30() {
	zero := 0.0
	doc := &openapi.Document{
		Info: openapi.Info{Title: "Notes", Version: "1.0.0"},
		Paths: []*openapi.PathItem{{
			Path: "/notes/{id}",
			Operations: []*openapi.Operation{{
				Method:      "GET",
				OperationID: "get_note",
				Parameters: []openapi.Parameter{{Name: "id", In: "path", Required: true,
					Schema: &jsonschema.Schema{Type: "integer", ExclusiveMinimum: &zero}}},
				Responses: []openapi.Response{{Status: 200, Description: "OK", ContentType: "application/json",
					Schema: &jsonschema.Schema{Type: "string", Nullable: true}}},
			}},
		}},
	}
	v31, _ := doc.MarshalJSON()
	v30, _ := doc.MarshalJSON30()
	fmt.Println(string(v31))
	fmt.Println(string(v30))
	// Output:
	// {"openapi":"3.1.0","info":{"title":"Notes","version":"1.0.0"},"paths":{"/notes/{id}":{"get":{"operationId":"get_note","parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"integer","exclusiveMinimum":0}}],"responses":{"200":{"description":"OK","content":{"application/json":{"schema":{"type":["string","null"]}}}}}}}}}
	// {"openapi":"3.0.3","info":{"title":"Notes","version":"1.0.0"},"paths":{"/notes/{id}":{"get":{"operationId":"get_note","parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"integer","minimum":0,"exclusiveMinimum":true}}],"responses":{"200":{"description":"OK","content":{"application/json":{"schema":{"type":"string","nullable":true}}}}}}}}}
}
