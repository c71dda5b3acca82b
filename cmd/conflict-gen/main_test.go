package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conflict-gen/conflict-gen/generator/model"
)

func TestHelpDocumentsEveryFlagHelperAndStrategy(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"--help"}, &stdout, &stderr)
	assert.Equal(t, 0, code)
	for _, flag := range []string{"-output-dir", "-output-file", "-go-header-file", "-verify", "+conflict:merge", "+conflict:generate", "+conflict:observedGeneration"} {
		assert.Contains(t, stderr.String(), flag)
	}
	for _, h := range []string{"UpdateXWithRetry", "UpdateXStatusWithRetry", "CreateOrUpdateXWithRetry", "XNeedsReconcile",
		"SetXObservedGeneration", "SetXCondition", "MergeX", "UpdateXFrom", "UpdateXStatusFrom"} {
		assert.Contains(t, stderr.String(), "\n  "+h, "every generated helper")
	}
	for _, s := range model.Strategies() {
		assert.Contains(t, stderr.String(), "\n      "+s.Marker()+" ", "every strategy")
	}
}

func TestNoPackagesIsAUsageError(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 2, run(nil, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "Usage: conflict-gen")
}

func TestBadMarkerExitsNonZeroWithPositionAndWritesNothing(t *testing.T) {
	var stdout, stderr bytes.Buffer
	out := t.TempDir()
	code := run([]string{"--output-dir", out, "../../generator/testdata/bad/unknownstrategy"}, &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), filepath.FromSlash("generator/testdata/bad/unknownstrategy/types.go")+`:14: unknown merge strategy "newest"`)
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

func TestWritesAndVerifies(t *testing.T) {
	var stdout, stderr bytes.Buffer
	out := t.TempDir()
	pkg := "../../generator/testdata/apis/optout"
	require.Equal(t, 0, run([]string{"--output-dir", out, "--output-file", "helpers.go", pkg}, &stdout, &stderr), stderr.String())
	assert.FileExists(t, filepath.Join(out, "apis", "optout", "helpers.go"))
	require.Equal(t, 0, run([]string{"--verify", "--output-dir", out, "--output-file", "helpers.go", pkg}, &stdout, &stderr), stderr.String())
	require.NoError(t, os.Remove(filepath.Join(out, "apis", "optout", "helpers.go")))
	stderr.Reset()
	assert.Equal(t, 1, run([]string{"--verify", "--output-dir", out, "--output-file", "helpers.go", pkg}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "missing: ")
}
