package v1alpha1_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	neo4jv1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/neo4j/v1alpha1"
)

// randomTriple returns a base object and two edits of it, as a writer and
// a concurrent writer would make them: random changes to random fields,
// often the same ones. Server-managed metadata is not edited, conditions
// change the way meta.SetStatusCondition changes them, and quantities and
// times are canonical, so that a merge over JSON sees what the typed merge
// sees.
func randomTriple(r *rand.Rand) (base, current, desired *cluster) {
	base = randomCluster(r)
	current, desired = base.DeepCopy(), base.DeepCopy()
	for range r.IntN(5) {
		mutate(r, current)
	}
	for range r.IntN(5) {
		mutate(r, desired)
	}
	if r.IntN(8) == 0 { // both sides made the same change
		desired = current.DeepCopy()
	}
	return base, current, desired
}

func pick[T any](r *rand.Rand, options ...T) T { return options[r.IntN(len(options))] }

func randomTime(r *rand.Rand) metav1.Time {
	return metav1.NewTime(time.Date(2026, 1, 1, 0, r.IntN(60), 0, 0, time.UTC))
}

func randomCluster(r *rand.Rand) *cluster {
	c := sampleCluster()
	for range r.IntN(6) {
		mutate(r, c)
	}
	return c
}

var mutations = []func(r *rand.Rand, c *cluster){
	func(r *rand.Rand, c *cluster) { c.Spec.Topology.Servers = int32(1 + r.IntN(7)) },
	func(r *rand.Rand, c *cluster) { c.Spec.Topology.MaxUnavailable = int32(r.IntN(3)) },
	func(r *rand.Rand, c *cluster) {
		c.Spec.Storage.Size = resource.MustParse(fmt.Sprintf("%dGi", 1+r.IntN(5)))
	},
	func(r *rand.Rand, c *cluster) { c.Spec.Storage.ClassName = pick(r, "", "fast", "slow") },
	func(r *rand.Rand, c *cluster) { c.Spec.Image.Tag = pick(r, "5.20", "5.21", "5.22") },
	func(r *rand.Rand, c *cluster) { c.Spec.Image.Repo = pick(r, "neo4j", "mirror/neo4j") },
	func(r *rand.Rand, c *cluster) {
		p := pick(r, "apoc", "gds", "bloom", "n10s")
		if i := slices.Index(c.Spec.Plugins, p); i >= 0 {
			c.Spec.Plugins = slices.Delete(slices.Clone(c.Spec.Plugins), i, i+1)
		} else {
			c.Spec.Plugins = append(slices.Clone(c.Spec.Plugins), p)
		}
	},
	func(r *rand.Rand, c *cluster) {
		name, port := pick(r, "bolt", "http", "https"), pick[int32](r, 7687, 7474)
		for i, p := range c.Spec.Ports {
			if p.Name == name && p.Port == port {
				if r.IntN(2) == 0 {
					c.Spec.Ports = slices.Delete(slices.Clone(c.Spec.Ports), i, i+1)
				} else {
					c.Spec.Ports[i].Advertised = !p.Advertised
				}
				return
			}
		}
		c.Spec.Ports = append(slices.Clone(c.Spec.Ports), neo4jv1alpha1.ServerPort{Name: name, Port: port, Protocol: pick(r, corev1.ProtocolTCP, "")})
	},
	func(r *rand.Rand, c *cluster) {
		name := pick(r, "A", "B", "C")
		for i, e := range c.Spec.Env {
			if e.Name == name {
				if r.IntN(2) == 0 {
					c.Spec.Env = slices.Delete(slices.Clone(c.Spec.Env), i, i+1)
				} else {
					c.Spec.Env[i].Value = pick(r, "1", "2", "3")
				}
				return
			}
		}
		c.Spec.Env = append(slices.Clone(c.Spec.Env), corev1.EnvVar{Name: name, Value: pick(r, "1", "2")})
	},
	func(r *rand.Rand, c *cluster) {
		c.Spec.NodeSelector = pick(r, map[string]string(nil), map[string]string{"zone": "a"}, map[string]string{"zone": "b", "disk": "ssd"})
	},
	func(r *rand.Rand, c *cluster) {
		c.Spec.Tolerations = pick(r, []corev1.Toleration(nil), []corev1.Toleration{{Key: "gpu", Operator: corev1.TolerationOpExists}})
	},
	func(r *rand.Rand, c *cluster) {
		switch {
		case c.Spec.Backup == nil:
			c.Spec.Backup = &neo4jv1alpha1.BackupSpec{Schedule: pick(r, "@daily", "@hourly")}
		case r.IntN(3) == 0:
			c.Spec.Backup = nil
		default:
			c.Spec.Backup.Bucket = pick(r, "", "s3://a", "s3://b")
			c.Spec.Backup.RetentionDays = pick(r, nil, ptr.To[int32](7), ptr.To[int32](30))
		}
	},
	func(r *rand.Rand, c *cluster) {
		k := pick(r, "dbms.memory", "dbms.threads", "dbms.tx")
		if r.IntN(3) == 0 {
			delete(c.Spec.Config, k)
		} else {
			if c.Spec.Config == nil {
				c.Spec.Config = map[string]string{}
			}
			c.Spec.Config[k] = pick(r, "1", "2", "4g")
		}
	},
	func(r *rand.Rand, c *cluster) {
		if c.Spec.Resources.Limits == nil {
			c.Spec.Resources.Limits = corev1.ResourceList{}
		}
		c.Spec.Resources.Limits[corev1.ResourceCPU] = resource.MustParse(fmt.Sprint(1 + r.IntN(4)))
	},
	func(r *rand.Rand, c *cluster) {
		k := pick(r, "app", "tier", "team")
		if r.IntN(3) == 0 {
			delete(c.Labels, k)
		} else {
			if c.Labels == nil {
				c.Labels = map[string]string{}
			}
			c.Labels[k] = pick(r, "x", "y")
		}
	},
	func(r *rand.Rand, c *cluster) {
		c.Annotations = pick(r, map[string]string(nil), map[string]string{"note": "b"})
	},
	func(r *rand.Rand, c *cluster) {
		f := pick(r, "neo4j.com/backup", "other/finalizer")
		if i := slices.Index(c.Finalizers, f); i >= 0 {
			c.Finalizers = slices.Delete(slices.Clone(c.Finalizers), i, i+1)
		} else {
			c.Finalizers = append(slices.Clone(c.Finalizers), f)
		}
	},
	func(r *rand.Rand, c *cluster) {
		uid := pick[types.UID](r, "o1", "o2")
		for i, o := range c.OwnerReferences {
			if o.UID == uid {
				if r.IntN(2) == 0 {
					c.OwnerReferences = slices.Delete(slices.Clone(c.OwnerReferences), i, i+1)
				} else {
					c.OwnerReferences[i].Name = pick(r, "a", "b")
				}
				return
			}
		}
		c.OwnerReferences = append(slices.Clone(c.OwnerReferences), metav1.OwnerReference{APIVersion: "v1", Kind: "Secret", Name: "s", UID: uid})
	},
	func(r *rand.Rand, c *cluster) {
		c.Status.Phase = pick(r, neo4jv1alpha1.ClusterPhasePending, neo4jv1alpha1.ClusterPhaseReady, neo4jv1alpha1.ClusterPhaseFailed)
	},
	func(r *rand.Rand, c *cluster) { c.Status.ReadyServers = int32(r.IntN(4)) },
	func(r *rand.Rand, c *cluster) { c.Status.Endpoints.Bolt = pick(r, "", "bolt://a", "bolt://b") },
	func(r *rand.Rand, c *cluster) { c.Status.ObservedGeneration = int64(r.IntN(4)) },
	func(r *rand.Rand, c *cluster) {
		typ := pick(r, "Ready", "Progressing", "Degraded")
		if r.IntN(4) == 0 {
			meta.RemoveStatusCondition(&c.Status.Conditions, typ)
			return
		}
		c.Status.Conditions = slices.Clone(c.Status.Conditions)
		meta.SetStatusCondition(&c.Status.Conditions, metav1.Condition{Type: typ,
			Status: pick(r, metav1.ConditionTrue, metav1.ConditionFalse), Reason: pick(r, "A", "B"),
			Message: pick(r, "", "m"), LastTransitionTime: randomTime(r)})
	},
	func(r *rand.Rand, c *cluster) {
		typ := pick(r, "Healthy", "Joined")
		c.Status.Servers = slices.Clone(c.Status.Servers)
		for i, s := range c.Status.Servers {
			if s.Type == typ {
				switch r.IntN(3) {
				case 0:
					c.Status.Servers = slices.Delete(c.Status.Servers, i, i+1)
				case 1:
					c.Status.Servers[i].Server = pick(r, "graph-0", "graph-1")
				default:
					if status := pick(r, metav1.ConditionTrue, metav1.ConditionFalse); status != s.Status {
						c.Status.Servers[i].Status, c.Status.Servers[i].LastTransitionTime = status, randomTime(r)
					}
				}
				return
			}
		}
		c.Status.Servers = append(c.Status.Servers, neo4jv1alpha1.ServerCondition{Type: typ, Status: metav1.ConditionTrue, LastTransitionTime: randomTime(r)})
	},
}

func mutate(r *rand.Rand, c *cluster) {
	mutations[r.IntN(len(mutations))](r, c)
}
