package controller_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// cfg reaches the API server of the real-server tests, started (or found)
// by envtest as in a kubebuilder project's suite; nil when none is
// configured, and then those tests skip.
var cfg *rest.Config

func TestMain(m *testing.M) { os.Exit(run(m)) }

// run starts envtest when there is an API server to test against:
// KUBEBUILDER_ASSETS pointing at envtest's binaries, or
// USE_EXISTING_CLUSTER=true with KUBECONFIG (how the repository's test/kube
// runs these tests on its in-process kube-apiserver). envtest installs the
// CRDs of config/crd/bases either way.
func run(m *testing.M) int {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" && os.Getenv("USE_EXISTING_CLUSTER") != "true" {
		return m.Run()
	}
	testEnv := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	var err error
	if cfg, err = testEnv.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "starting envtest:", err)
		return 1
	}
	defer func() { _ = testEnv.Stop() }()
	return m.Run()
}

// realServer returns the configuration of the real API server, or skips
// the test when there is none.
func realServer(t *testing.T) *rest.Config {
	t.Helper()
	if cfg == nil {
		t.Skip("no API server: set KUBEBUILDER_ASSETS, or USE_EXISTING_CLUSTER=true and KUBECONFIG")
	}
	return rest.CopyConfig(cfg)
}
