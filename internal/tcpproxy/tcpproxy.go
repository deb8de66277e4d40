// Package tcpproxy is a TCP proxy for tests that cut the network between
// an instance and its route source (etcd, PostgreSQL) and restore it.
package tcpproxy

import (
	"io"
	"net"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// Proxy forwards connections to an address and can cut them all, as a
// network partition between an instance and its route source would.
type Proxy struct {
	l    net.Listener
	to   string
	mu   sync.Mutex
	cut  bool
	open map[net.Conn]bool
}

// New starts a proxy on 127.0.0.1 to the address to, closed when the
// test ends.
func New(t testing.TB, to string) *Proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &Proxy{l: l, to: to, open: make(map[net.Conn]bool)}
	go p.serve()
	t.Cleanup(func() {
		_ = l.Close()
		p.SetCut(true)
	})
	return p
}

// Addr is the address to connect to instead of to.
func (p *Proxy) Addr() string { return p.l.Addr().String() }

func (p *Proxy) serve() {
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.to)
		if err != nil {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		p.open[c], p.open[up] = true, true
		p.mu.Unlock()
		go p.pipe(c, up)
		go p.pipe(up, c)
	}
}

func (p *Proxy) pipe(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
	_ = src.Close()
	p.mu.Lock()
	delete(p.open, dst)
	delete(p.open, src)
	p.mu.Unlock()
}

// SetCut closes every connection and refuses new ones, or lets them
// through again.
func (p *Proxy) SetCut(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if cut {
		for c := range p.open {
			_ = c.Close()
		}
	}
}
