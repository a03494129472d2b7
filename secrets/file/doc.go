// Package file is the plain `.kamal/secrets` fallback store: values live in
// the app's own `.kamal/secrets` (or `.kamal/secrets.<destination>`),
// written with mode 0600, and the file is kept out of git and out of the
// Docker build context by ensuring it is listed in `.gitignore` and
// `.dockerignore`. Every line the user wrote is kept as it was.
package file
