package etcd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/dynroute/dynroute"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// PutResult says what Put wrote.
type PutResult struct {
	// Revision is the revision of the transaction that wrote the set, or,
	// when nothing had to change, the revision at which the prefix already
	// held it.
	Revision int64
	// Put, Deleted and Unchanged count the keys written, the keys of routes
	// not in the set that were deleted, and the keys that already held
	// their route.
	Put, Deleted, Unchanged int
}

// maxPutAttempts bounds the retries of Put when other writers keep
// changing the prefix between its read and its transaction.
const maxPutAttempts = 10

// Put makes the routes stored under prefix exactly specs, in one
// transaction: it writes the keys whose value changes and deletes the keys
// of routes not in specs, so that a fleet following the prefix sees the
// whole change at one revision. Each value is the route as compact JSON,
// without its name, which is the key's. The transaction applies only if no
// key under the prefix was written since Put read it; otherwise Put reads
// again and retries.
//
// Every spec needs a name, unique among them. Put checks what a key can
// hold, not the routes themselves (handlers, paths, conflicts): the
// Reloaders check those on load, and refuse a bad set whole. SecuritySchemes
// are not stored. etcd bounds the operations of a transaction (128 by
// default, --max-txn-ops); a change of more keys than that is an error.
func Put(ctx context.Context, cli *clientv3.Client, prefix string, specs []dynroute.RouteSpec) (PutResult, error) {
	if err := checkPrefix(prefix); err != nil {
		return PutResult{}, err
	}
	want := make(map[string][]byte, len(specs))
	for i := range specs {
		s := &specs[i]
		if s.Name == "" {
			return PutResult{}, fmt.Errorf("%w: the route %s %s (%s) has no name, which its key needs", dynroute.ErrInvalidConfig, s.Methods, s.Path, s.Source)
		}
		key := prefix + s.Name
		if _, dup := want[key]; dup {
			return PutResult{}, fmt.Errorf("%w: two routes are named %q", dynroute.ErrInvalidConfig, s.Name)
		}
		v, err := EncodeValue(s)
		if err != nil {
			return PutResult{}, err
		}
		want[key] = v
	}
	for range maxPutAttempts {
		resp, err := cli.Get(ctx, prefix, clientv3.WithPrefix())
		if err != nil {
			return PutResult{}, fmt.Errorf("etcd: read %s: %w", prefix, err)
		}
		var (
			res PutResult
			ops []clientv3.Op
		)
		have := make(map[string]bool, len(resp.Kvs))
		for _, kv := range resp.Kvs {
			key := string(kv.Key)
			have[key] = true
			switch v, ok := want[key]; {
			case !ok:
				ops = append(ops, clientv3.OpDelete(key))
				res.Deleted++
			case bytes.Equal(v, kv.Value):
				res.Unchanged++
			default:
				ops = append(ops, clientv3.OpPut(key, string(v)))
				res.Put++
			}
		}
		for key, v := range want {
			if !have[key] {
				ops = append(ops, clientv3.OpPut(key, string(v)))
				res.Put++
			}
		}
		if len(ops) == 0 {
			res.Revision = resp.Header.Revision
			return res, nil
		}
		// Applies only if every key under the prefix (a new one included)
		// was last written at or before the revision read.
		unchanged := clientv3.Compare(clientv3.ModRevision(prefix).WithPrefix(), "<", resp.Header.Revision+1)
		tx, err := cli.Txn(ctx).If(unchanged).Then(ops...).Commit()
		if err != nil {
			if errors.Is(err, rpctypes.ErrTooManyOps) {
				return PutResult{}, fmt.Errorf("etcd: write %s: %d keys change, more than the cluster takes in one transaction (raise etcd's --max-txn-ops): %w", prefix, len(ops), err)
			}
			return PutResult{}, fmt.Errorf("etcd: write %s: %w", prefix, err)
		}
		if tx.Succeeded {
			res.Revision = tx.Header.Revision
			return res, nil
		}
	}
	return PutResult{}, fmt.Errorf("etcd: write %s: the prefix kept changing during %d attempts", prefix, maxPutAttempts)
}

// EncodeValue returns the value Put stores for spec: the route as compact
// JSON with the keys of a config entry, without its name (the key's) and
// without the fields it leaves empty. The same spec gives the same bytes.
func EncodeValue(spec *dynroute.RouteSpec) ([]byte, error) {
	s := *spec
	s.Name = ""
	data, err := json.Marshal(&s)
	if err != nil {
		return nil, fmt.Errorf("etcd: encode route %q: %w", spec.Name, err)
	}
	var fields map[string]any
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, fmt.Errorf("etcd: encode route %q: %w", spec.Name, err)
	}
	for k, v := range fields {
		if v == nil || reflect.ValueOf(v).IsZero() || isEmpty(v) {
			delete(fields, k) // path, methods and handler are empty in a mount
		}
	}
	return json.Marshal(fields) // keys sorted
}

func isEmpty(v any) bool {
	switch v := v.(type) {
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}
