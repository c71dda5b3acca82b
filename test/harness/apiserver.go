package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	crdserver "k8s.io/apiextensions-apiserver/pkg/cmd/server/testing"
	"k8s.io/client-go/rest"
)

// apiServer is a running apiextensions-apiserver.
type apiServer struct {
	config *rest.Config
	stop   func()
}

// placeholderKubeconfig is what the delegated authentication and
// authorization options read instead of an in-cluster config; with
// --authentication-skip-lookup nothing is ever asked of that cluster.
const placeholderKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: none
  cluster:
    server: https://127.0.0.1:1
contexts:
- name: none
  context:
    cluster: none
    user: none
current-context: none
users:
- name: none
  user:
    token: none
`

// apiServerFlags are the flags that let the apiextensions-apiserver run
// alone: etcd given by flags (a storage config without a codec panics in
// the cacher), placeholder delegation kubeconfigs, and no admission plugin
// or flow control that would call a core kube-apiserver.
func apiServerFlags(etcdEndpoint, prefix, kubeconfig string) []string {
	return []string{
		"--etcd-servers", etcdEndpoint,
		"--etcd-prefix", prefix,
		"--authentication-kubeconfig", kubeconfig,
		"--authorization-kubeconfig", kubeconfig,
		"--kubeconfig", kubeconfig,
		"--authentication-skip-lookup",
		"--enable-priority-and-fairness=false",
		"--disable-admission-plugins", strings.Join([]string{
			"NamespaceLifecycle", "MutatingAdmissionWebhook", "ValidatingAdmissionWebhook",
			"ValidatingAdmissionPolicy", "MutatingAdmissionPolicy",
		}, ","),
	}
}

// writePlaceholderKubeconfig writes the placeholder into dir.
func writePlaceholderKubeconfig(dir string) (string, error) {
	path := filepath.Join(dir, "placeholder.kubeconfig")
	return path, os.WriteFile(path, []byte(placeholderKubeconfig), 0o600)
}

// startAPIServer starts an apiextensions-apiserver with flags and waits
// until /healthz answers.
func startAPIServer(flags []string) (*apiServer, error) {
	s, err := crdserver.StartTestServer(quietLogger{}, nil, flags, nil)
	if err != nil {
		return nil, fmt.Errorf("starting the API server: %w", err)
	}
	return &apiServer{config: s.ClientConfig, stop: s.TearDownFn}, nil
}

// quietLogger is the Logger the API server's test starter wants; its
// progress lines are of no interest here and failures come back as errors.
type quietLogger struct{}

func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}
func (quietLogger) Logf(string, ...any) {}
