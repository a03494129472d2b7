package file

import "log/slog"

// Option configures a Store.
type Option func(*Store)

// WithDestination makes the store use `.kamal/secrets.<dest>`, the file
// Kamal reads for `kamal deploy -d dest` (plain `.kamal/secrets` is then not
// read by Kamal).
func WithDestination(dest string) Option { return func(s *Store) { s.dest = dest } }

// WithLogger sets the logger (Debug level); the default discards.
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }
