package harness

import (
	"encoding/json"

	"k8s.io/client-go/rest"
)

// portableConfig is what another process needs to reach the API server.
type portableConfig struct {
	Host        string `json:"host"`
	BearerToken string `json:"bearerToken,omitempty"`
	ServerName  string `json:"serverName,omitempty"`
	CAData      []byte `json:"caData,omitempty"`
	CertData    []byte `json:"certData,omitempty"`
	KeyData     []byte `json:"keyData,omitempty"`
}

// EncodeConfig turns cfg into a string that [DecodeConfig] turns back
// into a configuration in another process (a test binary that re-executes
// itself as a worker gets it in its environment).
func EncodeConfig(cfg *rest.Config) (string, error) {
	data, err := json.Marshal(portableConfig{
		Host: cfg.Host, BearerToken: cfg.BearerToken, ServerName: cfg.ServerName,
		CAData: cfg.CAData, CertData: cfg.CertData, KeyData: cfg.KeyData,
	})
	return string(data), err
}

// DecodeConfig is the inverse of [EncodeConfig], with client-side rate
// limiting off as in [Env.Config].
func DecodeConfig(s string) (*rest.Config, error) {
	var p portableConfig
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		return nil, err
	}
	cfg := &rest.Config{Host: p.Host, BearerToken: p.BearerToken, QPS: -1}
	cfg.ServerName, cfg.CAData, cfg.CertData, cfg.KeyData = p.ServerName, p.CAData, p.CertData, p.KeyData
	return cfg, nil
}
