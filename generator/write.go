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

	"github.com/conflict-gen/conflict-gen/templates"
)

// write writes every file atomically: to a temporary file in the same
// directory, then renamed over the old one, so that a reader (or an
// interrupted run) never sees half a file. Files whose content is already
// right are not touched. A file of ours left over where a package now
// generates nothing is removed.
func write(files []File, log io.Writer) error {
	for _, f := range files {
		if f.Content == nil {
			leftover, err := isLeftover(f)
			if err != nil {
				return err
			}
			if leftover {
				if err := os.Remove(f.Path); err != nil {
					return err
				}
				fmt.Fprintf(log, "removed %s\n", relative(f.Path))
			}
			continue
		}
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

// isLeftover reports whether the file of a package that generates nothing
// exists and is conflict-gen's, for that package: a file conflict-gen did
// not write, or wrote for another package, is never removed.
func isLeftover(f File) (bool, error) {
	if f.Path == "" {
		return false, nil
	}
	content, err := os.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return templates.Owns(content, f.Package), nil
}

// StaleError lists the generated files that differ from what the generator
// would write now.
type StaleError struct {
	// Stale are files whose content differs.
	Stale []string
	// Missing are files that do not exist.
	Missing []string
	// Leftover are files of packages that now generate nothing (they
	// have no kinds or opt out); generating removes them.
	Leftover []string
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
	for _, f := range e.Leftover {
		lines = append(lines, "left over (the package generates nothing; generating removes it): "+relative(f))
	}
	return "generated files are out of date (run conflict-gen):\n" + strings.Join(lines, "\n")
}

func verify(files []File) error {
	var stale StaleError
	for _, f := range files {
		if f.Content == nil {
			leftover, err := isLeftover(f)
			if err != nil {
				return err
			}
			if leftover {
				stale.Leftover = append(stale.Leftover, f.Path)
			}
			continue
		}
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
	if len(stale.Stale)+len(stale.Missing)+len(stale.Leftover) > 0 {
		return &stale
	}
	return nil
}
