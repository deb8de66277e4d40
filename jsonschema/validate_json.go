package jsonschema

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dynroute/dynroute/internal/jsonnum"
)

// The lexical part of the validator: JSON strings, numbers and literals,
// scanned with encoding/json's syntax and decoded as encoding/json decodes
// them.

// literal moves past true, false or null, checking each byte.
func (v *jsonValidator) literal(word string) bool {
	if !bytes.HasPrefix(v.data[v.pos:], []byte(word)) {
		for i := 0; i < len(word); i++ {
			if v.pos >= len(v.data) || v.data[v.pos] != word[i] {
				v.unexpected("in the literal " + word + ", where " + quoteByte(word[i]) + " should be")
				return false
			}
			v.pos++
		}
	}
	v.pos += len(word)
	return true
}

// scanNumber moves past a number, checking its syntax.
func (v *jsonValidator) scanNumber() bool {
	end := jsonnum.Scan(v.data, v.pos)
	if end < 0 {
		v.pos = -end - 1
		v.unexpected("in a number")
		return false
	}
	v.pos = end
	return true
}

// strPlain, returned by scanString, says a string has neither escapes nor
// bytes outside ASCII: its raw bytes are its value.
const strPlain = 0

// String flags returned by scanString.
const (
	strEscaped  = 1 << iota // it has backslash escapes
	strNonASCII             // it has bytes ≥ 0x80, which may be invalid UTF-8
)

// scanString moves past the string at v.pos, checking its syntax, and
// reports what decoding it involves.
func (v *jsonValidator) scanString() (flags int, ok bool) {
	b := v.data
	i := v.pos + 1
	var high byte
	for {
		for i < len(b) && b[i] != '"' && b[i] != '\\' && b[i] >= 0x20 {
			high |= b[i]
			i++
		}
		if high >= 0x80 {
			flags |= strNonASCII
		}
		if i >= len(b) {
			v.pos = i
			v.syntax(msgJSONEnds)
			return flags, false
		}
		switch c := b[i]; {
		case c == '"':
			v.pos = i + 1
			return flags, true
		case c == '\\':
			flags |= strEscaped
			i++
			if i >= len(b) {
				v.pos = i
				v.syntax(msgJSONEnds)
				return flags, false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				i++
				for k := 0; k < 4; k++ {
					if i >= len(b) || !isHex(b[i]) {
						v.pos = i
						v.unexpected("in a \\u escape, where a hexadecimal digit should be")
						return flags, false
					}
					i++
				}
			default:
				v.pos = i
				v.unexpected("after \\ in a string, where an escape letter should be")
				return flags, false
			}
		default:
			v.pos = i
			v.unexpected("in a string (control characters must be escaped)")
			return flags, false
		}
	}
}

// isHex reports whether c is a hexadecimal digit.
func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// decodeString returns the text a JSON string's raw content stands for, as
// encoding/json decodes it (invalid UTF-8 becomes U+FFFD). The result may
// share memory with the body or v's buffer: it is valid until the next call.
func (v *jsonValidator) decodeString(raw []byte, flags int) []byte {
	if flags == strPlain || (flags == strNonASCII && utf8.Valid(raw)) {
		return raw
	}
	v.strBuf = appendUnquoted(v.strBuf[:0], raw)
	return v.strBuf
}

// containsBytes reports whether s is one of list.
func containsBytes(list []string, s []byte) bool {
	for _, x := range list {
		if x == string(s) {
			return true
		}
	}
	return false
}

// lookupKey finds the declared member a raw member name stands for,
// trying member next first. Plain names, nearly all of them, are looked up
// as they are.
func (v *jsonValidator) lookupKey(n *vnode, raw []byte, flags int, next int) int {
	if flags == strPlain {
		return n.lookupFrom(raw, next)
	}
	v.keyBuf = appendUnquoted(v.keyBuf[:0], raw)
	return n.lookupFrom(v.keyBuf, next)
}

// appendUnquoted appends the decoded content of a syntactically valid JSON
// string (without its quotes), as encoding/json decodes it.
func appendUnquoted(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			i++
			switch s[i] {
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				r := jsonHex4(s[i+1:])
				i += 5
				if utf16.IsSurrogate(r) {
					if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if dec := utf16.DecodeRune(r, jsonHex4(s[i+2:])); dec != unicode.ReplacementChar {
							dst = utf8.AppendRune(dst, dec)
							i += 6
							continue
						}
					}
					r = unicode.ReplacementChar
				}
				dst = utf8.AppendRune(dst, r)
				continue
			default: // '"', '\\', '/'
				dst = append(dst, s[i])
			}
			i++
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = utf8.AppendRune(dst, utf8.RuneError)
			} else {
				dst = append(dst, s[i:i+size]...)
			}
			i += size
		}
	}
	return dst
}

// jsonHex4 decodes the 4 hex digits at the start of b.
func jsonHex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		default:
			c = c - 'A' + 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// decodeInput decodes a JSON value for FieldError.Input, keeping numbers as
// written.
func decodeInput(b []byte) any {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var x any
	if d.Decode(&x) != nil {
		return nil
	}
	return x
}

// quoteByte formats c for a syntax error message: in single quotes, with
// Go's escapes for what is not printable.
func quoteByte(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}
