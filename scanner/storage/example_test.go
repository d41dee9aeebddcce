package storage_test

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/winnow-data/winnow/scanner/storage"
)

func ExampleStore_Expand() {
	ctx := context.Background()
	s, err := storage.NewStore(storage.Options{})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	in, err := s.Open(ctx, "mem://corpus/")
	if err != nil {
		panic(err)
	}
	for _, key := range []string{"shards/a.jsonl", "shards/b.parquet", "shards/2/c.jsonl", "shards/.tmp/d.jsonl"} {
		if err := in.WriteFile(ctx, key, []byte("{\"text\":\"hi\"}\n")); err != nil {
			panic(err)
		}
	}
	root, objs, err := s.Expand(ctx, "mem://corpus/shards")
	if err != nil {
		panic(err)
	}
	fmt.Println("root:", root.Root())
	for _, o := range objs {
		fmt.Println(o.Key, o.Size, o.Name)
	}
	// Read the first object through an io.ReaderAt, as records.Source does.
	r, err := root.OpenReaderAt(ctx, objs[0].Key)
	if err != nil {
		panic(err)
	}
	defer r.Close()
	line, _ := io.ReadAll(io.NewSectionReader(r, 0, r.Size()))
	fmt.Printf("%s", line)
	// Output:
	// root: mem://corpus/shards/
	// 2/c.jsonl 14 mem://corpus/shards/2/c.jsonl
	// a.jsonl 14 mem://corpus/shards/a.jsonl
	// b.parquet 14 mem://corpus/shards/b.parquet
	// {"text":"hi"}
}

func ExampleBucket_CreateIfAbsent() {
	ctx := context.Background()
	out, err := storage.Open(ctx, "mem://run/out", storage.Options{})
	if err != nil {
		panic(err)
	}
	defer out.Close()
	// Two tasks finish shard 3; only the first marker counts.
	for _, task := range []string{"pod-a", "pod-b"} {
		err := out.CreateIfAbsent(ctx, "markers/map/0003.done", []byte(task))
		switch {
		case errors.Is(err, storage.ErrExist):
			fmt.Println(task, "found the marker taken:", err.(*storage.Error).URL)
		case err != nil:
			panic(err)
		default:
			fmt.Println(task, "wrote the marker")
		}
	}
	// Output:
	// pod-a wrote the marker
	// pod-b found the marker taken: mem://run/out/markers/map/0003.done
}
