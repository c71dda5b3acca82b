// Package release checks that the root module installs as a released
// module does.
package release

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

const rootModule = "github.com/conflict-gen/conflict-gen"

// TestGoInstallAtAVersion publishes the root module as a release would (its
// module zip, served by a file:// module proxy put in front of the usual
// one) and installs the CLI with `go install <module>/cmd/conflict-gen@<v>`,
// the README's install for kubebuilder projects. go install refuses a
// module whose go.mod has replace directives, so this fails if the root
// module ever needs one again. The installed binary then checks the
// examples' generated helpers, as `make verify` does with the tree's.
func TestGoInstallAtAVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI from a module proxy")
	}
	root := repositoryRoot(t)

	var zipped bytes.Buffer
	files := moduleFiles(t, root)
	// The version names the content, so that the shared module cache never
	// holds another tree under the same version.
	sum := sha256.New()
	for _, f := range files {
		data, err := os.ReadFile(f.file)
		require.NoError(t, err)
		sum.Write([]byte(f.slash + "\x00"))
		sum.Write(data)
	}
	version := "v0.0.0-release." + hex.EncodeToString(sum.Sum(nil))[:12]
	m := module.Version{Path: rootModule, Version: version}
	zipFiles := make([]modzip.File, len(files))
	for i, f := range files {
		zipFiles[i] = f
	}
	require.NoError(t, modzip.Create(&zipped, m, zipFiles))
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)

	proxy := t.TempDir()
	dir := filepath.Join(proxy, rootModule, "@v")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	info, err := json.Marshal(map[string]any{"Version": version, "Time": time.Now().UTC().Format(time.RFC3339)})
	require.NoError(t, err)
	write := func(name string, data []byte) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
	}
	write("list", []byte(version+"\n"))
	write(version+".info", info)
	write(version+".mod", gomod)
	write(version+".zip", zipped.Bytes())

	upstream := goEnv(t, "GOPROXY")
	gobin := t.TempDir()
	install := exec.Command("go", "install", rootModule+"/cmd/conflict-gen@"+version)
	install.Dir = t.TempDir() // outside every module, as a user's shell may be
	install.Env = append(os.Environ(),
		"GOBIN="+gobin,
		"GOPROXY=file://"+filepath.ToSlash(proxy)+","+upstream,
		"GONOSUMDB="+rootModule,
		"GOWORK=off",
		"GOFLAGS=-buildvcs=false",
	)
	out, err := install.CombinedOutput()
	require.NoError(t, err, "go install %s@%s:\n%s", rootModule+"/cmd/conflict-gen", version, out)

	bin := filepath.Join(gobin, "conflict-gen")
	help, err := exec.Command(bin, "--help").Output()
	require.NoError(t, err)
	assert.Contains(t, string(help), "-output-dir DIR")

	verify := exec.Command(bin, "--verify", "--go-header-file", filepath.Join(root, "hack", "boilerplate.go.txt"),
		"--output-dir", "zz_generated", "./api/...")
	verify.Dir = filepath.Join(root, "examples")
	out, err = verify.CombinedOutput()
	require.NoError(t, err, "the installed conflict-gen finds the examples' helpers stale:\n%s", out)
}

// moduleFile is one file of the root module's zip.
type moduleFile struct {
	file  string // path on disk
	slash string // path in the module, slash-separated
	info  fs.FileInfo
}

func (f moduleFile) Path() string                 { return f.slash }
func (f moduleFile) Lstat() (os.FileInfo, error)  { return f.info, nil }
func (f moduleFile) Open() (io.ReadCloser, error) { return os.Open(f.file) }

// moduleFiles lists the files a release of the root module holds: the tree
// without the nested modules (runtime/, examples/, test/), version control
// and the tools that `make` builds into bin/.
func moduleFiles(t *testing.T, root string) []moduleFile {
	t.Helper()
	var files []moduleFile
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p == root {
				return nil
			}
			if strings.HasPrefix(d.Name(), ".") || rel == "bin" {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files = append(files, moduleFile{file: p, slash: filepath.ToSlash(rel), info: info})
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

func repositoryRoot(t *testing.T) string {
	t.Helper()
	_, here, _, ok := runtime.Caller(0)
	require.True(t, ok)
	return filepath.Dir(filepath.Dir(filepath.Dir(here)))
}

func goEnv(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.Command("go", "env", name).Output()
	require.NoError(t, err)
	return strings.TrimSpace(string(out))
}
