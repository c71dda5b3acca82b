// Package protostyle models an API whose spec types are generated from
// .proto files: a message holds state that must not be copied (protoimpl's
// MessageState holds a [0]sync.Mutex), unknown fields and a size cache, and
// has a hand-written DeepCopyInto. go vet's copylocks check flags any copy
// of such a value.
// +groupName=protostyle.example.com
package protostyle

import (
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// messageState stands for protoimpl.MessageState.
type messageState struct {
	doNotCopy [0]sync.Mutex
	info      *int
}

// RetentionPolicy is a message as protoc-gen-go generates it.
type RetentionPolicy struct {
	state         messageState
	sizeCache     int32
	unknownFields []byte

	Keep   int32  `protobuf:"varint,1,opt,name=keep,proto3" json:"keep,omitempty"`
	Prefix string `protobuf:"bytes,2,opt,name=prefix,proto3" json:"prefix,omitempty"`
}

// Target is another message, used through a pointer.
type Target struct {
	state         messageState
	sizeCache     int32
	unknownFields []byte

	Bucket string `protobuf:"bytes,1,opt,name=bucket,proto3" json:"bucket,omitempty"`
}

// Window is a Kubernetes-style struct that holds a message: it merges
// field by field, in place.
type Window struct {
	Start  string          `json:"start"`
	Policy RetentionPolicy `json:"policy"`
}

// Rule is a list-map element that holds a message.
type Rule struct {
	Name   string          `json:"name"`
	Policy RetentionPolicy `json:"policy"`
}

// BackupSpec is the desired state.
type BackupSpec struct {
	Schedule string          `json:"schedule"`
	Policy   RetentionPolicy `json:"policy"`
	Target   *Target         `json:"target,omitempty"`
	Window   *Window         `json:"window,omitempty"`
	// A list map of elements that must not be copied is one value.
	// +listType=map
	// +listMapKey=name
	Rules []Rule `json:"rules,omitempty"`
}

// Backup is a kind whose spec holds messages.
// +kubebuilder:object:root=true
type Backup struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec BackupSpec `json:"spec,omitempty"`
}
