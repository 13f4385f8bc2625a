package control

import (
	"context"
	"net"
	"net/http"
	"sync"
)

// Pipe is a control interface inside one process: a listener for the
// server and a client of it, joined by in-memory connections (net.Pipe).
// No socket or port exists, so no other program — a client under test
// running as the same user — can connect to it (docs/conformance.md,
// "Certifying a program", says what it can still do). The client's Addr is {"pipe", "in-process"}.
// Closing the listener makes the client's requests fail with
// ErrUnreachable.
func Pipe() (net.Listener, *Client) {
	l := &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
	c := &Client{addr: Addr{"pipe", "in-process"}, base: "http://jpkisim"}
	c.http = &http.Client{Timeout: Timeout, Transport: &http.Transport{
		DisableKeepAlives: true,
		DialContext:       func(ctx context.Context, _, _ string) (net.Conn, error) { return l.dial(ctx) },
	}}
	return l, c
}

// pipeListener hands the server end of each net.Pipe its dial made.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

// dial makes one connection, once the server accepts it.
func (l *pipeListener) dial(ctx context.Context) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
	case <-ctx.Done():
	}
	client.Close()
	server.Close()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return nil, net.ErrClosed
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "in-process" }
