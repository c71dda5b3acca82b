package generator

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// write writes every file atomically: to a temporary file in the same
// directory, then renamed over the old one, so that a reader (or an
// interrupted run) never sees half a file. Files whose content is already
// right are not touched.
func write(files []File, log io.Writer) error {
	for _, f := range files {
		old, err := os.ReadFile(f.Path)
		if err == nil && bytes.Equal(old, f.Content) {
			continue
		}
		if err := writeAtomic(f.Path, f.Content); err != nil {
			return err
		}
		fmt.Fprintf(log, "wrote %s\n", relative(f.Path))
	}
	return nil
}

func writeAtomic(path string, content []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// StaleError lists the generated files that differ from what the generator
// would write now.
type StaleError struct {
	// Stale are files whose content differs.
	Stale []string
	// Missing are files that do not exist.
	Missing []string
}

// Error lists the files, one per line.
func (e *StaleError) Error() string {
	var lines []string
	for _, f := range e.Stale {
		lines = append(lines, "stale: "+relative(f))
	}
	for _, f := range e.Missing {
		lines = append(lines, "missing: "+relative(f))
	}
	return "generated files are out of date (run conflict-gen):\n" + strings.Join(lines, "\n")
}

func verify(files []File) error {
	var stale StaleError
	for _, f := range files {
		old, err := os.ReadFile(f.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			stale.Missing = append(stale.Missing, f.Path)
		case err != nil:
			return err
		case !bytes.Equal(old, f.Content):
			stale.Stale = append(stale.Stale, f.Path)
		}
	}
	if len(stale.Stale)+len(stale.Missing) > 0 {
		return &stale
	}
	return nil
}
