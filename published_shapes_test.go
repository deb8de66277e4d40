package dynroute

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// publishedShapes are paths in the shapes of published API documents that
// dynroute used to refuse: Twilio's {Sid}.json (2010-04-01 API), Keycloak's
// hyphenated names, Box's levels:append and thumbnail.{extension}, GitHub's
// compare pair and Google-style custom methods.
func publishedShapes() []string {
	paths := []string{
		"/2010-04-01/Accounts.json", "/2010-04-01/Accounts/{Sid}.json",
		"/admin/realms/{realm}/roles", "/admin/realms/{realm}/roles/{role-name}",
		"/admin/realms/{realm}/roles/{role-name}/composites", "/admin/realms/{realm}/roles-by-id/{role-id}",
		"/admin/realms/{realm}/clients/{client-uuid}/roles/{role-name}/users",
		"/metadata_taxonomies/{namespace}/{taxonomy_key}/levels", "/metadata_taxonomies/{namespace}/{taxonomy_key}/levels:append",
		"/metadata_taxonomies/{namespace}/{taxonomy_key}/levels:trim", "/files/{file_id}", "/files/{file_id}/thumbnail.{extension}",
		"/repos/{owner}/{repo}/compare/{basehead}", "/repos/{owner}/{repo}/compare/{base}...{head}",
		"/v1/{name}", "/v1/{name}:cancel", "/v1/operations/{operation}:wait",
	}
	for _, res := range []string{"Calls", "Messages", "Queues", "Conferences", "Recordings", "Addresses", "Keys"} {
		base := "/2010-04-01/Accounts/{AccountSid}/" + res
		paths = append(paths, base+".json", base+"/{Sid}.json")
	}
	for _, nested := range []string{"Calls/{CallSid}/Recordings", "Calls/{CallSid}/Notifications", "Conferences/{ConferenceSid}/Participants", "Queues/{QueueSid}/Members"} {
		base := "/2010-04-01/Accounts/{AccountSid}/" + nested
		paths = append(paths, base+".json", base+"/{Sid}.json")
	}
	return paths
}

// publishedDocument writes paths as an OpenAPI document, one GET per path
// with operationId op<i>.
func publishedDocument(paths []string) string {
	var b strings.Builder
	b.WriteString("openapi: 3.1.0\ninfo: {title: Shapes, version: '1'}\npaths:\n")
	for i, p := range paths {
		fmt.Fprintf(&b, "  %q:\n    get:\n      operationId: op%d\n      responses: {'200': {description: OK}}\n", p, i)
	}
	return b.String()
}

// TestPublishedShapes loads a document of publishedShapes, registers every
// operation, and checks that each request — one filled in from each route
// and random ones over the same segments — is answered by the route the
// reference implementation of the precedence rule names, with its values.
func TestPublishedShapes(t *testing.T) {
	paths := publishedShapes()
	specs, err := LoadOpenAPI(strings.NewReader(publishedDocument(paths)), "shapes.yaml")
	require.NoError(t, err)
	require.Len(t, specs, len(paths), "every operation loads")

	for _, strict := range []bool{false, true} {
		rt := New(&Options{StrictConflicts: strict, Docs: &DocsOptions{Disabled: true}})
		for i, p := range paths {
			pat, err := parsePattern(p)
			require.NoError(t, err, p)
			require.NoError(t, rt.Registry().Register(fmt.Sprintf("op%d", i), indexHandler(i, pat.params)))
		}
		skipped, err := rt.AddRoutes(specs, nil)
		require.NoError(t, err, "strict=%v: the whole document registers", strict)
		require.Empty(t, skipped)

		rng := rand.New(rand.NewPCG(18, 1))
		var requests []string
		for _, p := range paths {
			requests = append(requests, fillPattern(rng, p), fillPattern(rng, p))
		}
		requests = append(requests,
			"/2010-04-01/Accounts/AC1/Calls/CA2.json", "/2010-04-01/Accounts/AC1/Calls/CA2", "/2010-04-01/Accounts/AC1.json",
			"/2010-04-01/Accounts/AC.1.json", "/admin/realms/r/roles/role-1", "/admin/realms/r/roles-by-id/7",
			"/metadata_taxonomies/ns/k/levels:append", "/metadata_taxonomies/ns/k/levels:prepend",
			"/files/12/thumbnail.png", "/files/12/thumbnail.", "/repos/o/r/compare/main...topic", "/repos/o/r/compare/main..topic",
			"/v1/projects:cancel", "/v1/operations/op-1:wait", "/v1/operations/op-1")
		served := 0
		for _, path := range requests {
			_, want := refMatch(paths, path)
			got := serveIndex(rt, path)
			if want == "" && got == "redirect" {
				got = ""
			}
			require.Equal(t, want, got, "strict=%v request %s", strict, path)
			if want != "" {
				served++
			}
		}
		assert.Greater(t, served, len(paths), "most requests are served")
		code, _ := serveCode(rt, "/2010-04-01/Accounts/AC1/Queues/QU1/Members/CA1.json")
		assert.Equal(t, http.StatusOK, code)
	}
}
