package robot

import (
	"context"
	"errors"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/assemblekit/assemble/ensure"
)

// Server is a dedicated server as Robot lists it.
type Server struct {
	Number  int
	Name    string
	IPv4    netip.Addr   // zero for an IPv6-only server
	IPv6    netip.Prefix // the server's /64
	Product string
	DC      string
	Status  string
	// Cancelled is true once the server has been cancelled.
	Cancelled bool
}

type wireServer struct {
	ServerIP      *string `json:"server_ip"`
	ServerIPv6Net *string `json:"server_ipv6_net"`
	ServerNumber  int     `json:"server_number"`
	ServerName    string  `json:"server_name"`
	Product       string  `json:"product"`
	DC            string  `json:"dc"`
	Status        string  `json:"status"`
	Cancelled     bool    `json:"cancelled"`
}

func (w wireServer) server() Server {
	s := Server{Number: w.ServerNumber, Name: w.ServerName, Product: w.Product, DC: w.DC, Status: w.Status, Cancelled: w.Cancelled}
	if w.ServerIP != nil {
		s.IPv4, _ = netip.ParseAddr(*w.ServerIP)
	}
	if w.ServerIPv6Net != nil {
		net := *w.ServerIPv6Net
		if !strings.Contains(net, "/") {
			net += "/64"
		}
		s.IPv6, _ = netip.ParsePrefix(net)
	}
	return s
}

// Servers lists the account's servers (none is not an error).
func (c *Client) Servers(ctx context.Context) ([]Server, error) {
	var out []struct {
		Server wireServer `json:"server"`
	}
	if err := c.get(ctx, "/server", &out); err != nil {
		if errors.Is(err, ensure.ErrNotFound) {
			return nil, nil
		}
		return nil, err
	}
	ss := make([]Server, 0, len(out))
	for _, o := range out {
		ss = append(ss, o.Server.server())
	}
	return ss, nil
}

// Server returns one server; a missing one is an *Error with code
// SERVER_NOT_FOUND.
func (c *Client) Server(ctx context.Context, number int) (*Server, error) {
	var out struct {
		Server wireServer `json:"server"`
	}
	if err := c.get(ctx, "/server/"+strconv.Itoa(number), &out); err != nil {
		return nil, err
	}
	s := out.Server.server()
	return &s, nil
}

// RenameServer sets the server's name in Robot.
func (c *Client) RenameServer(ctx context.Context, number int, name string) error {
	return c.post(ctx, "/server/"+strconv.Itoa(number), url.Values{"server_name": {name}}, nil)
}
