package buildertest

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"time"

	"golang.org/x/crypto/ssh"
)

func (h *Host) serve() {
	defer h.wg.Done()
	for {
		c, err := h.ln.Accept()
		if err != nil {
			return
		}
		h.mu.Lock()
		if h.closed {
			h.mu.Unlock()
			_ = c.Close()
			return
		}
		h.conns[c] = true
		h.accepted++
		h.wg.Add(1)
		h.mu.Unlock()
		go h.handleConn(c)
	}
}

func (h *Host) handleConn(c net.Conn) {
	defer h.wg.Done()
	defer func() {
		h.mu.Lock()
		delete(h.conns, c)
		h.mu.Unlock()
		_ = c.Close()
	}()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	sc, chans, reqs, err := ssh.NewServerConn(c, h.srv)
	if err != nil {
		return
	}
	_ = c.SetDeadline(time.Time{})
	go func() {
		for r := range reqs {
			// keepalive@openssh.com and friends: answer like OpenSSH.
			if r.WantReply {
				_ = r.Reply(false, nil)
			}
		}
	}()
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			continue
		}
		h.wg.Add(1)
		go h.handleSession(sc, c, ch, creqs)
	}
}

func (h *Host) handleSession(sc *ssh.ServerConn, conn net.Conn, ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer h.wg.Done()
	defer func() { _ = ch.Close() }()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := false
	finished := make(chan struct{})
	for {
		var r *ssh.Request
		var ok bool
		select {
		case r, ok = <-reqs:
		case <-finished:
			return
		}
		if !ok {
			return
		}
		switch r.Type {
		case "env":
			_ = r.Reply(true, nil)
		case "signal":
			cancel()
			_ = r.Reply(true, nil)
		case "exec":
			if started || len(r.Payload) < 4 {
				_ = r.Reply(false, nil)
				continue
			}
			n := binary.BigEndian.Uint32(r.Payload)
			if int(n) > len(r.Payload)-4 {
				_ = r.Reply(false, nil)
				continue
			}
			cmd := string(r.Payload[4 : 4+n])
			started = true
			_ = r.Reply(true, nil)
			go func() {
				defer close(finished)
				h.execute(ctx, sc.User(), cmd, ch, conn)
			}()
		default:
			// No pty, no shell, no subsystems: the builder only execs.
			if r.WantReply {
				_ = r.Reply(false, nil)
			}
		}
	}
}

// execute runs one command and sends its exit status.
func (h *Host) execute(ctx context.Context, userName, cmd string, ch ssh.Channel, conn net.Conn) {
	h.mu.Lock()
	idx := len(h.log)
	h.log = append(h.log, Command{User: userName, Cmd: cmd, Exit: -1})
	var fault *Fault
	for i, f := range h.faults {
		if f.matches(cmd) {
			ff := f.Fault
			fault = &ff
			f.left--
			if f.left == 0 {
				h.faults = append(h.faults[:i:i], h.faults[i+1:]...)
			}
			break
		}
	}
	lat := h.latency
	h.mu.Unlock()

	if lat > 0 {
		t := time.NewTimer(lat)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}

	var stdout, stderr bytes.Buffer
	code := 0
	mutating := false
	if fault != nil && !fault.Drop {
		code = fault.Code
		if code == 0 {
			code = 1
		}
		stderr.WriteString(fault.Stderr)
		mutating = isMutating(cmd)
	} else {
		code, mutating = h.run(ctx, userName, cmd, ch, &stdout, &stderr)
	}

	h.mu.Lock()
	h.log[idx].Mutating = mutating
	if fault == nil || !fault.Drop {
		h.log[idx].Exit = code
	}
	h.mu.Unlock()

	if fault != nil && fault.Drop {
		_ = conn.Close()
		return
	}
	_, _ = ch.Write(stdout.Bytes())
	_, _ = ch.Stderr().Write(stderr.Bytes())
	status := make([]byte, 4)
	binary.BigEndian.PutUint32(status, uint32(code))
	_, _ = ch.SendRequest("exit-status", false, status)
	_ = ch.CloseWrite()
}

// stdinOf reads what the client sends on the channel until EOF.
func stdinOf(ch io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(ch, 1<<20))
	return string(b)
}
