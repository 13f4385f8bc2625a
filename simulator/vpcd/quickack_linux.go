package vpcd

import (
	"net"
	"syscall"
)

// quickAck asks the kernel to acknowledge the next segment at once
// (TCP_QUICKACK is not sticky, so it is set before every read).
func quickAck(c net.Conn) {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return
	}
	_ = raw.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}
