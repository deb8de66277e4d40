// Package hostile sends requests as an attacker would, over raw TCP, and
// checks the answers, for the examples' tests: no 5xx, at most 64 KiB, and
// none of the words of the database, of Go's parsers or of the file system.
package hostile

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// MaxAnswer is the largest answer Check accepts.
const MaxAnswer = 64 << 10

// leaks are texts no answer may hold: a database's, Go's parsers' or the
// runtime's words, and file system paths.
var leaks = []string{"SQLITE", "sqlite", "constraint failed", "SQLSTATE", "goroutine", ".go:", "/tmp/",
	"invalid URL escape", "invalid semicolon", "unexpected end of JSON input", "invalid character", "exceeded limit"}

// Request is a raw HTTP/1.1 request with a body of contentType.
func Request(method, target, contentType, body string) string {
	return fmt.Sprintf("%s %s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		method, target, contentType, len(body), body)
}

// Get is a raw GET request with the header lines given.
func Get(target string, headers ...string) string {
	return "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + strings.Join(append(headers, "Connection: close"), "\r\n") + "\r\n\r\n"
}

// Check sends raw to the server at addr (on loopback) and checks its
// answer, which it returns with its status.
func Check(t *testing.T, addr, raw string) (int, []byte) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(20*time.Second)))
	go func() { _, _ = io.WriteString(conn, raw) }() // the server may answer before it has read it all
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 4*MaxAnswer))
	require.NoError(t, err)
	assert.Less(t, res.StatusCode, 500, "%.300s", b)
	assert.LessOrEqual(t, len(b), MaxAnswer, "the answer is bounded")
	for _, leak := range leaks {
		assert.NotContains(t, string(b), leak)
	}
	return res.StatusCode, b
}
