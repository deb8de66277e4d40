package bench

import (
	"fmt"
	"strings"
)

// Route is one entry of a benchmark route table: a method and a path in
// dynroute's syntax ({name} for one segment).
type Route struct {
	Method string
	Path   string
}

// GitHubAPI is the GitHub REST API table used by the classic Go router
// benchmarks (203 routes). Routes httprouter cannot hold beside the others
// (a literal segment beside a parameter, like /gists/public next to
// /gists/{id}) are left out, as those benchmarks do, so that raw httprouter
// serves exactly the same table as every other router.
var GitHubAPI = []Route{
	// OAuth authorizations
	{"GET", "/authorizations"},
	{"GET", "/authorizations/{id}"},
	{"POST", "/authorizations"},
	{"DELETE", "/authorizations/{id}"},
	{"GET", "/applications/{client_id}/tokens/{access_token}"},
	{"DELETE", "/applications/{client_id}/tokens"},
	{"DELETE", "/applications/{client_id}/tokens/{access_token}"},

	// Activity
	{"GET", "/events"},
	{"GET", "/repos/{owner}/{repo}/events"},
	{"GET", "/networks/{owner}/{repo}/events"},
	{"GET", "/orgs/{org}/events"},
	{"GET", "/users/{user}/received_events"},
	{"GET", "/users/{user}/received_events/public"},
	{"GET", "/users/{user}/events"},
	{"GET", "/users/{user}/events/public"},
	{"GET", "/users/{user}/events/orgs/{org}"},
	{"GET", "/feeds"},
	{"GET", "/notifications"},
	{"GET", "/repos/{owner}/{repo}/notifications"},
	{"PUT", "/notifications"},
	{"PUT", "/repos/{owner}/{repo}/notifications"},
	{"GET", "/notifications/threads/{id}"},
	{"GET", "/notifications/threads/{id}/subscription"},
	{"PUT", "/notifications/threads/{id}/subscription"},
	{"DELETE", "/notifications/threads/{id}/subscription"},
	{"GET", "/repos/{owner}/{repo}/stargazers"},
	{"GET", "/users/{user}/starred"},
	{"GET", "/user/starred"},
	{"GET", "/user/starred/{owner}/{repo}"},
	{"PUT", "/user/starred/{owner}/{repo}"},
	{"DELETE", "/user/starred/{owner}/{repo}"},
	{"GET", "/repos/{owner}/{repo}/subscribers"},
	{"GET", "/users/{user}/subscriptions"},
	{"GET", "/user/subscriptions"},
	{"GET", "/repos/{owner}/{repo}/subscription"},
	{"PUT", "/repos/{owner}/{repo}/subscription"},
	{"DELETE", "/repos/{owner}/{repo}/subscription"},
	{"GET", "/user/subscriptions/{owner}/{repo}"},
	{"PUT", "/user/subscriptions/{owner}/{repo}"},
	{"DELETE", "/user/subscriptions/{owner}/{repo}"},

	// Gists
	{"GET", "/users/{user}/gists"},
	{"GET", "/gists"},
	{"GET", "/gists/{id}"},
	{"POST", "/gists"},
	{"PUT", "/gists/{id}/star"},
	{"DELETE", "/gists/{id}/star"},
	{"GET", "/gists/{id}/star"},
	{"POST", "/gists/{id}/forks"},
	{"DELETE", "/gists/{id}"},

	// Git data
	{"GET", "/repos/{owner}/{repo}/git/blobs/{sha}"},
	{"POST", "/repos/{owner}/{repo}/git/blobs"},
	{"GET", "/repos/{owner}/{repo}/git/commits/{sha}"},
	{"POST", "/repos/{owner}/{repo}/git/commits"},
	{"GET", "/repos/{owner}/{repo}/git/refs"},
	{"POST", "/repos/{owner}/{repo}/git/refs"},
	{"GET", "/repos/{owner}/{repo}/git/tags/{sha}"},
	{"POST", "/repos/{owner}/{repo}/git/tags"},
	{"GET", "/repos/{owner}/{repo}/git/trees/{sha}"},
	{"POST", "/repos/{owner}/{repo}/git/trees"},

	// Issues
	{"GET", "/issues"},
	{"GET", "/user/issues"},
	{"GET", "/orgs/{org}/issues"},
	{"GET", "/repos/{owner}/{repo}/issues"},
	{"GET", "/repos/{owner}/{repo}/issues/{number}"},
	{"POST", "/repos/{owner}/{repo}/issues"},
	{"GET", "/repos/{owner}/{repo}/assignees"},
	{"GET", "/repos/{owner}/{repo}/assignees/{assignee}"},
	{"GET", "/repos/{owner}/{repo}/issues/{number}/comments"},
	{"POST", "/repos/{owner}/{repo}/issues/{number}/comments"},
	{"GET", "/repos/{owner}/{repo}/issues/{number}/events"},
	{"GET", "/repos/{owner}/{repo}/labels"},
	{"GET", "/repos/{owner}/{repo}/labels/{name}"},
	{"POST", "/repos/{owner}/{repo}/labels"},
	{"DELETE", "/repos/{owner}/{repo}/labels/{name}"},
	{"GET", "/repos/{owner}/{repo}/issues/{number}/labels"},
	{"POST", "/repos/{owner}/{repo}/issues/{number}/labels"},
	{"DELETE", "/repos/{owner}/{repo}/issues/{number}/labels/{name}"},
	{"PUT", "/repos/{owner}/{repo}/issues/{number}/labels"},
	{"DELETE", "/repos/{owner}/{repo}/issues/{number}/labels"},
	{"GET", "/repos/{owner}/{repo}/milestones/{number}/labels"},
	{"GET", "/repos/{owner}/{repo}/milestones"},
	{"GET", "/repos/{owner}/{repo}/milestones/{number}"},
	{"POST", "/repos/{owner}/{repo}/milestones"},
	{"DELETE", "/repos/{owner}/{repo}/milestones/{number}"},

	// Miscellaneous
	{"GET", "/emojis"},
	{"GET", "/gitignore/templates"},
	{"GET", "/gitignore/templates/{name}"},
	{"POST", "/markdown"},
	{"POST", "/markdown/raw"},
	{"GET", "/meta"},
	{"GET", "/rate_limit"},

	// Organizations
	{"GET", "/users/{user}/orgs"},
	{"GET", "/user/orgs"},
	{"GET", "/orgs/{org}"},
	{"GET", "/orgs/{org}/members"},
	{"GET", "/orgs/{org}/members/{user}"},
	{"DELETE", "/orgs/{org}/members/{user}"},
	{"GET", "/orgs/{org}/public_members"},
	{"GET", "/orgs/{org}/public_members/{user}"},
	{"PUT", "/orgs/{org}/public_members/{user}"},
	{"DELETE", "/orgs/{org}/public_members/{user}"},
	{"GET", "/orgs/{org}/teams"},
	{"GET", "/teams/{id}"},
	{"POST", "/orgs/{org}/teams"},
	{"DELETE", "/teams/{id}"},
	{"GET", "/teams/{id}/members"},
	{"GET", "/teams/{id}/members/{user}"},
	{"PUT", "/teams/{id}/members/{user}"},
	{"DELETE", "/teams/{id}/members/{user}"},
	{"GET", "/teams/{id}/repos"},
	{"GET", "/teams/{id}/repos/{owner}/{repo}"},
	{"PUT", "/teams/{id}/repos/{owner}/{repo}"},
	{"DELETE", "/teams/{id}/repos/{owner}/{repo}"},
	{"GET", "/user/teams"},

	// Pull requests
	{"GET", "/repos/{owner}/{repo}/pulls"},
	{"GET", "/repos/{owner}/{repo}/pulls/{number}"},
	{"POST", "/repos/{owner}/{repo}/pulls"},
	{"GET", "/repos/{owner}/{repo}/pulls/{number}/commits"},
	{"GET", "/repos/{owner}/{repo}/pulls/{number}/files"},
	{"GET", "/repos/{owner}/{repo}/pulls/{number}/merge"},
	{"PUT", "/repos/{owner}/{repo}/pulls/{number}/merge"},
	{"GET", "/repos/{owner}/{repo}/pulls/{number}/comments"},
	{"PUT", "/repos/{owner}/{repo}/pulls/{number}/comments"},

	// Repositories
	{"GET", "/user/repos"},
	{"GET", "/users/{user}/repos"},
	{"GET", "/orgs/{org}/repos"},
	{"GET", "/repositories"},
	{"POST", "/user/repos"},
	{"POST", "/orgs/{org}/repos"},
	{"GET", "/repos/{owner}/{repo}"},
	{"GET", "/repos/{owner}/{repo}/contributors"},
	{"GET", "/repos/{owner}/{repo}/languages"},
	{"GET", "/repos/{owner}/{repo}/teams"},
	{"GET", "/repos/{owner}/{repo}/tags"},
	{"GET", "/repos/{owner}/{repo}/branches"},
	{"GET", "/repos/{owner}/{repo}/branches/{branch}"},
	{"DELETE", "/repos/{owner}/{repo}"},
	{"GET", "/repos/{owner}/{repo}/collaborators"},
	{"GET", "/repos/{owner}/{repo}/collaborators/{user}"},
	{"PUT", "/repos/{owner}/{repo}/collaborators/{user}"},
	{"DELETE", "/repos/{owner}/{repo}/collaborators/{user}"},
	{"GET", "/repos/{owner}/{repo}/comments"},
	{"GET", "/repos/{owner}/{repo}/commits/{sha}/comments"},
	{"POST", "/repos/{owner}/{repo}/commits/{sha}/comments"},
	{"GET", "/repos/{owner}/{repo}/comments/{id}"},
	{"DELETE", "/repos/{owner}/{repo}/comments/{id}"},
	{"GET", "/repos/{owner}/{repo}/commits"},
	{"GET", "/repos/{owner}/{repo}/commits/{sha}"},
	{"GET", "/repos/{owner}/{repo}/readme"},
	{"GET", "/repos/{owner}/{repo}/keys"},
	{"GET", "/repos/{owner}/{repo}/keys/{id}"},
	{"POST", "/repos/{owner}/{repo}/keys"},
	{"DELETE", "/repos/{owner}/{repo}/keys/{id}"},
	{"GET", "/repos/{owner}/{repo}/downloads"},
	{"GET", "/repos/{owner}/{repo}/downloads/{id}"},
	{"DELETE", "/repos/{owner}/{repo}/downloads/{id}"},
	{"GET", "/repos/{owner}/{repo}/forks"},
	{"POST", "/repos/{owner}/{repo}/forks"},
	{"GET", "/repos/{owner}/{repo}/hooks"},
	{"GET", "/repos/{owner}/{repo}/hooks/{id}"},
	{"POST", "/repos/{owner}/{repo}/hooks"},
	{"POST", "/repos/{owner}/{repo}/hooks/{id}/tests"},
	{"DELETE", "/repos/{owner}/{repo}/hooks/{id}"},
	{"POST", "/repos/{owner}/{repo}/merges"},
	{"GET", "/repos/{owner}/{repo}/releases"},
	{"GET", "/repos/{owner}/{repo}/releases/{id}"},
	{"POST", "/repos/{owner}/{repo}/releases"},
	{"DELETE", "/repos/{owner}/{repo}/releases/{id}"},
	{"GET", "/repos/{owner}/{repo}/releases/{id}/assets"},
	{"GET", "/repos/{owner}/{repo}/stats/contributors"},
	{"GET", "/repos/{owner}/{repo}/stats/commit_activity"},
	{"GET", "/repos/{owner}/{repo}/stats/code_frequency"},
	{"GET", "/repos/{owner}/{repo}/stats/participation"},
	{"GET", "/repos/{owner}/{repo}/stats/punch_card"},
	{"GET", "/repos/{owner}/{repo}/statuses/{ref}"},
	{"POST", "/repos/{owner}/{repo}/statuses/{ref}"},

	// Search
	{"GET", "/search/repositories"},
	{"GET", "/search/code"},
	{"GET", "/search/issues"},
	{"GET", "/search/users"},
	{"GET", "/legacy/issues/search/{owner}/{repository}/{state}/{keyword}"},
	{"GET", "/legacy/repos/search/{keyword}"},
	{"GET", "/legacy/user/search/{keyword}"},
	{"GET", "/legacy/user/email/{email}"},

	// Users
	{"GET", "/users/{user}"},
	{"GET", "/user"},
	{"GET", "/users"},
	{"GET", "/user/emails"},
	{"POST", "/user/emails"},
	{"DELETE", "/user/emails"},
	{"GET", "/users/{user}/followers"},
	{"GET", "/user/followers"},
	{"GET", "/users/{user}/following"},
	{"GET", "/user/following"},
	{"GET", "/user/following/{user}"},
	{"GET", "/users/{user}/following/{target_user}"},
	{"PUT", "/user/following/{user}"},
	{"DELETE", "/user/following/{user}"},
	{"GET", "/users/{user}/keys"},
	{"GET", "/user/keys"},
	{"GET", "/user/keys/{id}"},
	{"POST", "/user/keys"},
	{"DELETE", "/user/keys/{id}"},
}

// sampleValues are the values SamplePath puts in for each parameter name:
// realistic lengths, since httprouter, chi and ServeMux all scan them.
var sampleValues = map[string]string{
	"access_token": "ghu_16C7e42F292c6912E7710c838347Ae178B4a",
	"assignee":     "rsc",
	"branch":       "main",
	"client_id":    "Iv1.8a61f9b3a7aba766",
	"email":        "gopher@golang.org",
	"id":           "4815162342",
	"keyword":      "router",
	"name":         "bug",
	"number":       "1347",
	"org":          "golang",
	"owner":        "julienschmidt",
	"part":         "bolt-m6",
	"ref":          "v1.3.0",
	"repo":         "httprouter",
	"repository":   "go",
	"sha":          "7638417db6d59f3c431d3e1f261cc637155684cd",
	"state":        "open",
	"target_user":  "robpike",
	"user":         "gopher",

	// TwilioAPI's: 34-character SIDs, two letters for the kind of
	// resource and 32 hex digits, each different so that a value read
	// under the wrong name shows.
	"AccountSid":             "AC5ef8732a3c49700934481addd5ce1659",
	"AddOnResultSid":         "XR3a5b4e2c07f94d5d9b1a3e6f8c2d7b40",
	"AddressSid":             "AD2a0747eba6abf96b7e3c3ff0b4530f6e",
	"AssignedAddOnSid":       "XE4c6a2b8d0e1f3a5b7c9d1e3f5a7b9c12",
	"CallSid":                "CA9d3f6e2b1c8a4d7e0f5b3a9c6d2e8f14",
	"ConferenceSid":          "CF6b2d8e4a1c7f3b9d5e0a6c2f8b4d1e37",
	"ConnectAppSid":          "CN7e1a5c9f3b8d2e6a0c4f8b2d6e1a5c93",
	"CountryCode":            "US",
	"CredentialListSid":      "CL8f2b6d0a4e9c3f7b1d5a9e3c7f2b6d08",
	"DomainSid":              "SD1c7e3a9f5b0d6c2e8a4f0b6d2c8e3a75",
	"IpAccessControlListSid": "AL0d8f4b2e6a1c9e5b3f7d1a5c9e4b8f26",
	"MessageSid":             "MM2e9a5d1f7c3b0e6d4a8f2c6e0b5d9a41",
	"QueueSid":               "QU3f0b6e2a8d4c1f7e5b9a3d7f1c6e0b52",
	"RecordingSid":           "RE4a1c7f3b9e5d2a8f6c0b4e8a2d7f1c63",
	"ReferenceSid":           "RE5b2d8a4c0f6e3b9a7d1c5f9b3e8a2d74",
	"ResourceSid":            "PN6c3e9b5d1a7f4c0b8e2d6a0c4f9b3e85",
	"Sid":                    "SM7d4f0c6e2b8a5d1c9f3e7b1d5a0c4f96",
}

// rewrite returns path with each {name} replaced by param(name), whether
// the parameter fills a segment ({Sid}) or sits inside one ({Sid}.json).
func rewrite(path string, param func(name string) string) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(path, '{')
		if open < 0 {
			break
		}
		end := strings.IndexByte(path[open:], '}')
		if end < 0 {
			break
		}
		end += open
		b.WriteString(path[:open])
		b.WriteString(param(path[open+1 : end]))
		path = path[end+1:]
	}
	b.WriteString(path)
	return b.String()
}

// ParamNames returns the parameter names of path in path order.
func ParamNames(path string) []string {
	var names []string
	rewrite(path, func(name string) string {
		names = append(names, name)
		return ""
	})
	return names
}

// SampleValue returns the value SamplePath uses for the named parameter. It
// panics for a name it has no value for, so that a route added to a table
// without a sample value fails loudly instead of being served "".
func SampleValue(name string) string {
	v, ok := sampleValues[name]
	if !ok {
		panic(fmt.Sprintf("bench: no sample value for parameter {%s}", name))
	}
	return v
}

// SamplePath returns a request path that the route path matches, with
// realistic parameter values.
func SamplePath(path string) string { return rewrite(path, SampleValue) }

// HTTPRouterPath converts path to httprouter's syntax: {name} becomes :name.
// A parameter inside a segment ({Sid}.json, as in TwilioAPI) has no
// httprouter form: httprouter would read :Sid.json as one parameter named
// "Sid.json", so such tables are not served by httprouter or ServeMux.
func HTTPRouterPath(path string) string {
	return rewrite(path, func(name string) string { return ":" + name })
}

// Generated returns a table of n GET routes for the registration
// benchmarks: 60% static (/svc{i}/items, /svc{i}/items/archived,
// /svc{i}/status) and 40% with one or two parameters (/svc{i}/items/{id},
// /svc{i}/items/{id}/parts/{part}). Each route has its own first segment, so
// no literal ever sits beside a parameter and raw httprouter accepts the
// table.
func Generated(n int) []Route {
	routes := make([]Route, n)
	for i := range routes {
		var path string
		switch i % 5 {
		case 0:
			path = fmt.Sprintf("/svc%d/items", i)
		case 1:
			path = fmt.Sprintf("/svc%d/items/archived", i)
		case 2:
			path = fmt.Sprintf("/svc%d/status", i)
		case 3:
			path = fmt.Sprintf("/svc%d/items/{id}", i)
		case 4:
			path = fmt.Sprintf("/svc%d/items/{id}/parts/{part}", i)
		}
		routes[i] = Route{Method: "GET", Path: path}
	}
	return routes
}
