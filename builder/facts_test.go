package builder

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Output captured from an Ubuntu 24.04 cx33 (8 GB) and from this machine.
const ubuntuMeminfo = `MemTotal:        7941216 kB
MemFree:         6826148 kB
MemAvailable:    7484036 kB
Buffers:           38652 kB
Cached:           787672 kB
SwapCached:            0 kB
Active:           464812 kB
HugePages_Total:       0
Hugepagesize:       2048 kB
`

func TestParseMemTotal(t *testing.T) {
	n, err := parseMemTotal(ubuntuMeminfo)
	require.NoError(t, err)
	require.Equal(t, int64(7941216*1024), n)
	require.Greater(t, n, DefaultMinMemory, "an 8 GB server must pass the default floor")

	_, err = parseMemTotal("MemFree: 12 kB\n")
	require.Error(t, err)
	_, err = parseMemTotal("MemTotal: lots kB\n")
	require.Error(t, err)
}

func TestParseDiskFree(t *testing.T) {
	n, err := parseDiskFree("      Avail\n83001217024\n")
	require.NoError(t, err)
	require.Equal(t, int64(83001217024), n)

	for _, bad := range []string{"", "Avail\n", "Filesystem 1B-blocks\n/dev/sda1 100\n", "Avail\n-\n"} {
		_, err := parseDiskFree(bad)
		require.Error(t, err, "%q", bad)
	}
}

func TestParseArch(t *testing.T) {
	for in, want := range map[string]string{"x86_64\n": "amd64", "aarch64\n": "arm64", "arm64": "arm64"} {
		got, ok := parseArch(in)
		require.True(t, ok, in)
		require.Equal(t, want, got)
	}
	for _, in := range []string{"riscv64", "armv7l", "i686", ""} {
		_, ok := parseArch(in)
		require.False(t, ok, in)
	}
}

func TestParseDockerVersion(t *testing.T) {
	for in, want := range map[string]string{
		"Docker version 27.5.1, build 9f9e405\n":         "27.5.1",
		"Docker version 20.10.24+dfsg1, build 297e128\n": "20.10.24+dfsg1",
		"Docker version 28.2.2, build e6534b4":           "28.2.2",
	} {
		require.Equal(t, want, parseDockerVersion(in))
	}
}
