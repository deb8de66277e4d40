package jsonschema

import (
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// The formats the validator asserts. Each follows its RFC, as the JSON
// Schema test suite reads it.

// formatCheck returns the check of a format the validator asserts, or nil
// for formats that only annotate (int32, double, …).
func formatCheck(format string) func(string) bool {
	switch format {
	case "email":
		return validEmail
	case "uuid":
		return validUUID
	case "date-time":
		return validDateTime
	case "uri":
		return validURI
	}
	return nil
}

// validUUID accepts the RFC 9562 text form, in either case.
func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHex(s[i]) {
				return false
			}
		}
	}
	return true
}

// validDateTime accepts an RFC 3339 date-time, with a leap second only at
// 23:59 UTC.
func validDateTime(s string) bool {
	if len(s) < 20 || (s[10] != 'T' && s[10] != 't') {
		return false
	}
	if _, err := time.Parse(time.DateOnly, s[:10]); err != nil {
		return false
	}
	t := s[11:]
	two := func(s string) (int, bool) {
		if len(s) < 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
			return 0, false
		}
		return int(s[0]-'0')*10 + int(s[1]-'0'), true
	}
	if len(t) < 9 || t[2] != ':' || t[5] != ':' {
		return false
	}
	h, ok1 := two(t)
	m, ok2 := two(t[3:])
	sec, ok3 := two(t[6:])
	if !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || sec > 60 {
		return false
	}
	t = t[8:]
	if len(t) > 0 && t[0] == '.' {
		i := 1
		for i < len(t) && t[i] >= '0' && t[i] <= '9' {
			i++
		}
		if i == 1 {
			return false
		}
		t = t[i:]
	}
	utc := h*60 + m
	if t != "Z" && t != "z" {
		if len(t) != 6 || (t[0] != '+' && t[0] != '-') || t[3] != ':' {
			return false
		}
		oh, ok1 := two(t[1:])
		om, ok2 := two(t[4:])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return false
		}
		off := oh*60 + om
		if t[0] == '+' {
			off = -off
		}
		utc = ((utc+off)%1440 + 1440) % 1440
	}
	return sec < 60 || utc == 23*60+59
}

// validURI accepts an absolute URI (a scheme is required) that net/url
// parses, with an IPv6 host only in brackets.
func validURI(s string) bool {
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() {
		return false
	}
	if host := u.Hostname(); strings.Contains(host, ":") {
		if !strings.Contains(u.Host, "[") || !strings.Contains(u.Host, "]") {
			return false
		}
		return validIPv6(host)
	}
	return true
}

// validIPv6 accepts an IPv6 address without a zone.
func validIPv6(s string) bool {
	if !strings.Contains(s, ":") {
		return false
	}
	a, err := netip.ParseAddr(s)
	return err == nil && a.Zone() == ""
}

// validIPv4 accepts a dotted-quad IPv4 address without leading zeros.
func validIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 || (len(p) > 1 && p[0] == '0') {
			return false
		}
		n := 0
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return false
			}
			n = n*10 + int(p[i]-'0')
		}
		if n > 255 {
			return false
		}
	}
	return true
}

// validEmail accepts an RFC 5321 mailbox: a dot-atom or quoted local part
// of at most 64 characters, and a host name or bracketed IP address; 254
// characters at most.
func validEmail(s string) bool {
	if len(s) > 254 {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return false
	}
	local, domain := s[:at], s[at+1:]
	if len(local) > 64 {
		return false
	}
	if len(local) > 1 && local[0] == '"' && local[len(local)-1] == '"' {
		if strings.ContainsAny(local[1:len(local)-1], `\"`) {
			return false
		}
	} else {
		if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
			return false
		}
		for i := 0; i < len(local); i++ {
			c := local[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(".!#$%&'*+-/=?^_`{|}~", c) >= 0) {
				return false
			}
		}
	}
	if len(domain) >= 2 && domain[0] == '[' && domain[len(domain)-1] == ']' {
		ip := domain[1 : len(domain)-1]
		if rest, ok := strings.CutPrefix(ip, "IPv6:"); ok {
			return validIPv6(rest)
		}
		return validIPv4(ip)
	}
	return validHostname(domain)
}

// validHostname accepts RFC 1123 host names (a trailing dot allowed).
func validHostname(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if len(label) < 1 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
