// Command dynroute-etcd writes the routes of a YAML or JSON config file
// into etcd under a key prefix, one key per route, in one transaction: the
// keys that change are written and the keys of routes no longer in the file
// are deleted, so that every instance following the prefix
// (github.com/dynroute/dynroute/reload/etcd) switches to the new set at one
// revision.
//
//	dynroute-etcd -endpoints 127.0.0.1:2379 -prefix /dynroute/routes/ routes.yaml
//
// It prints the revision written and the keys put, deleted and unchanged.
// It checks what a key can hold (every route needs a unique name), not the
// routes themselves: the instances check handlers, paths and conflicts on
// load and refuse a bad set whole, keeping their routes. -dry-run reads the
// file and prints the values without writing.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/dynroute/dynroute/reload"
	"github.com/dynroute/dynroute/reload/etcd"
	clientv3 "go.etcd.io/etcd/client/v3"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "dynroute-etcd:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("dynroute-etcd", flag.ContinueOnError)
	endpoints := fs.String("endpoints", "127.0.0.1:2379", "etcd endpoints, comma-separated")
	prefix := fs.String("prefix", etcd.DefaultPrefix, "key prefix of the routes (ends in /)")
	timeout := fs.Duration("timeout", 10*time.Second, "time allowed for the whole write")
	dryRun := fs.Bool("dry-run", false, "print the keys and values, write nothing")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: dynroute-etcd [flags] routes.yaml|routes.json")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("want one config file, got %d arguments", fs.NArg())
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	specs, err := reload.FileLoader(fs.Arg(0))(ctx)
	if err != nil {
		return err
	}
	if *dryRun {
		for i := range specs {
			v, err := etcd.EncodeValue(&specs[i])
			if err != nil {
				return err
			}
			fmt.Printf("%s%s %s\n", *prefix, specs[i].Name, v)
		}
		return nil
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: strings.Split(*endpoints, ","), DialTimeout: 5 * time.Second})
	if err != nil {
		return err
	}
	defer cli.Close()
	res, err := etcd.Put(ctx, cli, *prefix, specs)
	if err != nil {
		return err
	}
	fmt.Printf("revision %d: %d put, %d deleted, %d unchanged\n", res.Revision, res.Put, res.Deleted, res.Unchanged)
	return nil
}
