package harness

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// etcd is an embedded etcd server on loopback.
type etcd struct {
	server *embed.Etcd
	dir    string
}

// startEtcd starts a single-member etcd in a fresh temporary directory.
// fsync is off: the data lives only as long as the test.
func startEtcd() (*etcd, error) {
	dir, err := os.MkdirTemp("", "conflict-gen-etcd")
	if err != nil {
		return nil, err
	}
	cfg := embed.NewConfig()
	cfg.Dir = dir
	cfg.UnsafeNoFsync = true
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	clientURL, peerURL, err := loopbackURLs()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cfg.ListenClientUrls = []url.URL{clientURL}
	cfg.AdvertiseClientUrls = []url.URL{clientURL}
	cfg.ListenPeerUrls = []url.URL{peerURL}
	cfg.AdvertisePeerUrls = []url.URL{peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting etcd: %w", err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(time.Minute):
		e.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("etcd did not become ready within a minute")
	}
	return &etcd{server: e, dir: dir}, nil
}

// endpoint is the client URL the API server connects to.
func (e *etcd) endpoint() string { return e.server.Clients[0].Addr().String() }

func (e *etcd) stop() {
	e.server.Close()
	os.RemoveAll(e.dir)
}

// loopbackURLs picks two free ports on 127.0.0.1 for etcd's client and
// peer listeners.
func loopbackURLs() (client, peer url.URL, err error) {
	var ports [2]int
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return client, peer, err
		}
		defer l.Close()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	client = url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", ports[0])}
	peer = url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", ports[1])}
	return client, peer, nil
}
