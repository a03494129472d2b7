package assemble

import (
	"net/netip"
	"testing"
)

func TestHostIPv6(t *testing.T) {
	for in, want := range map[string]string{
		"2001:db8:1:2::/64":   "2001:db8:1:2::1",
		"2001:db8::5/128":     "2001:db8::5",
		"2001:db8:1:2::1a/64": "2001:db8:1:2::1a",
	} {
		if got := hostIPv6(netip.MustParsePrefix(in)).String(); got != want {
			t.Errorf("hostIPv6(%s) = %s, want %s", in, got, want)
		}
	}
}
