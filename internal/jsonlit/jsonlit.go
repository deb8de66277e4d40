// Package jsonlit writes and scans JSON literals — strings and numbers — for
// the packages of dynroute that write JSON by hand (the schema and OpenAPI
// writers) or check JSON text (the validator, tag and parameter parsers).
package jsonlit

import "unicode/utf8"

// AppendString appends s to b as a JSON string, without HTML escaping.
// Invalid UTF-8 becomes U+FFFD, as encoding/json writes it.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// ScanNumber returns the end of the JSON number that starts at b[i], or,
// when there is none, -(the offset of the first byte that does not fit)-1.
func ScanNumber(b []byte, i int) int {
	digits := func() bool {
		s := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > s
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		return -i - 1
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return -i - 1
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return -i - 1
		}
	}
	return i
}

// IsNumber reports whether s is one JSON number and nothing else: not
// "NaN", "Inf", "+1", "0x1" or "1_0", which Go's parsers accept.
func IsNumber(s string) bool {
	return s != "" && ScanNumber([]byte(s), 0) == len(s)
}
