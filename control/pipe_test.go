package control

import (
	"errors"
	"net/http"
	"sync"
	"testing"
)

// A Pipe's client reaches its listener's server, many requests at once,
// and fails with ErrUnreachable once the listener is closed.
func TestPipe(t *testing.T) {
	ln, c := Pipe()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"slots":[{"slot":0,"reader":"Virtual PCD 00 00"}]}`))
	})}
	go srv.Serve(ln)
	defer srv.Close()
	if c.Addr().String() != "in-process" || ln.Addr().String() != "in-process" {
		t.Errorf("addresses %s %s", c.Addr(), ln.Addr())
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if s, err := c.Status(); err != nil || len(s) != 1 || s[0].Reader != "Virtual PCD 00 00" {
				t.Errorf("%+v %v", s, err)
			}
		})
	}
	wg.Wait()
	ln.Close()
	if _, err := c.Status(); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("after Close: %v, want ErrUnreachable", err)
	}
}
