package builder

// Builder is what Ensure found and made: Kamal's builder section and the
// facts behind it.
type Builder struct {
	// Arch is amd64 or arm64: Kamal's builder.arch.
	Arch string
	// Remote is ssh://user@host[:port]: Kamal's builder.remote.
	Remote string
	// Local is Kamal's builder.local (false: never build on the user's
	// machine).
	Local bool
	// MemoryBytes is the host's MemTotal.
	MemoryBytes int64
	// DiskFreeBytes is the free space under /var/lib.
	DiskFreeBytes int64
	// DockerVersion is what "docker -v" reported, e.g. "27.5.1".
	DockerVersion string
	// KnownHostsLine is the host's known_hosts line (written to
	// Spec.KnownHostsPath when set).
	KnownHostsLine string
	// CronPath is the prune job's file on the host ("" when disabled).
	CronPath string
}
