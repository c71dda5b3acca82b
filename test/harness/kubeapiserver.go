package harness

import (
	"fmt"
	"testing"

	"k8s.io/apiserver/pkg/storage/storagebackend"
	kubeserver "k8s.io/kubernetes/cmd/kube-apiserver/app/testing"
)

// kubeAPIServerFlags keep the full kube-apiserver's defaults (admission
// included, so a namespace must exist before objects are created in it)
// and turn off only what a test has no use for: flow control, which would
// queue the tests' bursts of requests as if they came from a noisy tenant.
var kubeAPIServerFlags = []string{
	"--enable-priority-and-fairness=false",
}

// startKubeAPIServer starts a kube-apiserver (core, apps and every other
// built-in group, CRDs through its embedded apiextensions-apiserver) on
// the etcd at etcdEndpoint, and waits until it is healthy and has created
// the default namespace. The server belongs to tb: kube-apiserver's test
// starter ties its lifetime to tb's context, so it stops at tb's cleanup
// at the latest.
func startKubeAPIServer(tb testing.TB, etcdEndpoint, prefix string) (*apiServer, error) {
	storage := storagebackend.NewDefaultConfig(prefix, nil)
	storage.Transport.ServerList = []string{etcdEndpoint}
	s, err := kubeserver.StartTestServer(tb, &kubeserver.TestServerInstanceOptions{
		EnableCertAuth: true,
		// The invariant check scrapes the server's metrics at teardown
		// and fails tb on findings about the server, not about the test.
		DisableInvariantChecks: true,
	}, kubeAPIServerFlags, storage)
	if err != nil {
		return nil, fmt.Errorf("starting the kube-apiserver: %w", err)
	}
	return &apiServer{config: s.ClientConfig, stop: s.TearDownFn}, nil
}
