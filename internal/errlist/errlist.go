// Package errlist turns an error into the list of problems it holds, as
// config errors report them: the router's config loaders and the reloader
// both count and log problems one by one.
package errlist

import "strconv"

// Flatten returns the single errors err holds: the parts of joined errors
// (errors.Join, or any error with Unwrap() []error), recursively, or err
// itself.
func Flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			if e != nil {
				out = append(out, Flatten(e)...)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return []error{err}
}

// Summary says how many problems what has: "routes.yaml: 1 problem",
// "routes.yaml: 3 problems".
func Summary(what string, n int) string {
	if n == 1 {
		return what + ": 1 problem"
	}
	return what + ": " + strconv.Itoa(n) + " problems"
}
