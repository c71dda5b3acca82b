package kube

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conflict-gen/conflict-gen/test/harness"
)

// TestKubebuilderSampleOnTheRealServer runs the real-server tests of the
// kubebuilder sample (examples/kubebuilder/internal/controller) on the
// in-process kube-apiserver. They live next to the sample, with envtest as
// a kubebuilder project's suite has it, and cannot import the harness (the
// sample's module must not require test/'s); so this test starts the
// server and runs `go test` on the sample's package with envtest pointed at
// it (USE_EXISTING_CLUSTER=true, KUBECONFIG). It fails unless each of those
// tests ran and passed: a skip counts as a failure here.
func TestKubebuilderSampleOnTheRealServer(t *testing.T) {
	env, err := harness.StartKube(t)
	require.NoError(t, err)
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	require.NoError(t, harness.WriteKubeconfig(env.Config(), kubeconfig))

	_, here, _, ok := runtime.Caller(0)
	require.True(t, ok)
	root := filepath.Join(filepath.Dir(here), "..", "..")
	goTool, err := exec.LookPath("go")
	require.NoError(t, err)
	cmd := exec.Command(goTool, "test", "-count=1", "-v", "-timeout=20m", "-run", "^TestRealServer",
		"./kubebuilder/internal/controller")
	cmd.Dir = filepath.Join(root, "examples") // the sample's module
	cmd.Env = append(os.Environ(), "USE_EXISTING_CLUSTER=true", "KUBECONFIG="+kubeconfig, "KUBEBUILDER_ASSETS=")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err = cmd.Run()
	t.Logf("go test of the kubebuilder sample took %s:\n%s", time.Since(start).Round(time.Millisecond), out.String())
	require.NoError(t, err)

	passed := regexp.MustCompile(`(?m)^--- PASS: (TestRealServer\w+)`).FindAllStringSubmatch(out.String(), -1)
	var names []string
	for _, m := range passed {
		names = append(names, m[1])
	}
	assert.ElementsMatch(t, []string{
		"TestRealServerManagerReconcilesDatabase",
		"TestRealServerReconcileSurvivesConcurrentWriters",
	}, names)
	assert.NotContains(t, out.String(), "--- SKIP")
}
