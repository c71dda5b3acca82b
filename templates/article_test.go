package templates

import "testing"

func TestArticle(t *testing.T) {
	for name, want := range map[string]string{
		"Order":        "an Order",
		"Node":         "a Node",
		"Ingress":      "an Ingress",
		"Endpoint":     "an Endpoint",
		"User":         "a User",
		"UsageReport":  "a UsageReport",
		"Umbrella":     "an Umbrella",
		"HTTPRoute":    "an HTTPRoute",
		"MCPServer":    "an MCPServer",
		"SSHKey":       "an SSHKey",
		"GRPCRoute":    "a GRPCRoute",
		"URLMap":       "a URLMap",
		"Neo4jBackup":  "a Neo4jBackup",
		"Aggregate":    "an Aggregate",
		"OneTimeToken": "a OneTimeToken",
		"X":            "an X",
	} {
		if got := article(name); got != want {
			t.Errorf("article(%q) = %q, want %q", name, got, want)
		}
	}
}
