// Package jsonnum scans JSON numbers (RFC 8259) where no JSON decoder does:
// in the documents jsonschema validates, in the numbers written in struct
// tags, and in request parameters that typed reads as numbers.
package jsonnum

// Scan returns the end of the JSON number that starts at s[i], or, when
// there is none, -(the offset of the first byte that does not fit)-1.
func Scan[T string | []byte](s T, i int) int {
	digits := func() bool {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case !digits():
		return -i - 1
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return -i - 1
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return -i - 1
		}
	}
	return i
}

// Valid reports whether s is one JSON number and nothing else: not "NaN",
// "Inf", "0x1", "+1" or " 1", which strconv would read.
func Valid[T string | []byte](s T) bool { return Scan(s, 0) == len(s) }
