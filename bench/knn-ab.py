#!/usr/bin/env python3
"""Interleaved A/B of the memory store's k-NN search on several OpenSearch nodes or indexes (bench/README.md,
"W2 corpus B, Session 34"). Not a workload of bench-workload.md: a node-side comparison that a shared, loaded machine
cannot spoil, since every query goes to every node in turn (alternating the order), so load hits each alike.

`load` writes corpus B (the files `bench/run W2 opensearch --write-corpus F --write-queries F` writes; AB_CORPUS and
AB_QUERIES, default /tmp/mem-corpus.f32 and /tmp/mem-queries.f32) into index AB_INDEX (ab-corpus-b) of each node with
raw `_bulk` (no put semantics), the store's fields that its filter reads (tenant t-(i%2), namespace ns/(i%100), expiry
and supersededAt in the far future), lucene HNSW m 16, ef_construction 100, cosine, and ENCODER (`sq`, or `sq:BITS` for
3.x, which requires bits), then force-merges it to one segment. `search` sends the store's k-NN request (k-NN k 40,
its filter, `_source` without the embedding — AB_NOSOURCE=1: none —, method_parameters.ef_search, AB_RESCORE=F:
rescore with oversample_factor F) for the 200 queries of both W2 sets after a warm-up pass, and prints per node: recall@10
against brute force (numpy), medians and p95 of the node's `took` and of the round trip (Python's http.client), and the
load average.

usage: bench/knn-ab.py load NAME=URL[,ENCODER] ...
       bench/knn-ab.py search [--ef 100,150] [--reps R] NAME=URL[|INDEX] ...
"""
import http.client, json, sys, time, os, urllib.parse
import numpy as np

D = 384
N = int(os.environ.get("AB_N", "100000"))
INDEX = os.environ.get("AB_INDEX", "ab-corpus-b")
NEVER = 253402300799999


def conn(url):
    u = urllib.parse.urlparse(url)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=3600)


def req(c, method, path, body=None, ctype="application/json"):
    data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
    c.request(method, path, body=data, headers={"Content-Type": ctype} if data is not None else {})
    r = c.getresponse()
    out = r.read()
    if r.status >= 300:
        raise RuntimeError(f"{method} {path}: {r.status} {out[:500]!r}")
    return json.loads(out) if out else None


def corpus():
    v = np.fromfile(os.environ.get("AB_CORPUS", "/tmp/mem-corpus.f32"), dtype="<f4").reshape(-1, D)[:N]
    q = np.fromfile(os.environ.get("AB_QUERIES", "/tmp/mem-queries.f32"), dtype="<f4").reshape(-1, D)
    return v, q


def mapping(encoder):
    method = {"name": "hnsw", "engine": "lucene", "space_type": "cosinesimil",
              "parameters": {"m": 16, "ef_construction": 100}}
    if encoder.startswith("sq"):
        method["parameters"]["encoder"] = {"name": "sq"}
        if ":" in encoder:
            method["parameters"]["encoder"]["parameters"] = {"bits": int(encoder.split(":")[1])}
    return {"settings": {"index": {"knn": True, "number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "-1"}},
            "mappings": {"dynamic": "strict", "properties": {
                "tenant": {"type": "keyword"}, "namespace": {"type": "keyword"}, "content": {"type": "text"},
                "expiry": {"type": "long"}, "supersededAt": {"type": "long"},
                "embedding": {"type": "knn_vector", "dimension": D, "method": method}}}}


def load(name, url, encoder):
    v, _ = corpus()
    c = conn(url)
    try:
        req(c, "DELETE", "/" + INDEX)
    except RuntimeError:
        pass
    req(c, "PUT", "/" + INDEX, mapping(encoder))
    t0 = time.time()
    batch = 2000
    for s in range(0, len(v), batch):
        lines = []
        for i in range(s, min(s + batch, len(v))):
            lines.append('{"index":{"_id":"t-%d/m-%d"}}' % (i % 2, i))
            lines.append('{"tenant":"t-%d","namespace":"ns/%d","content":"vector %d","expiry":%d,"supersededAt":%d,"embedding":[%s]}'
                         % (i % 2, i % 100, i, NEVER, NEVER, ",".join("%.9g" % x for x in v[i])))
        r = req(c, "POST", "/" + INDEX + "/_bulk", ("\n".join(lines) + "\n").encode(), "application/x-ndjson")
        if r["errors"]:
            raise RuntimeError(str(r)[:1000])
    req(c, "POST", "/" + INDEX + "/_refresh")
    t1 = time.time()
    req(c, "POST", "/" + INDEX + "/_forcemerge?max_num_segments=1")
    req(c, "POST", "/" + INDEX + "/_refresh")
    t2 = time.time()
    segs = req(c, "GET", "/" + INDEX + "/_segments")
    nseg = sum(len(s["segments"]) for sh in segs["indices"][INDEX]["shards"].values() for s in sh)
    size = req(c, "GET", "/" + INDEX + "/_stats/store")["indices"][INDEX]["primaries"]["store"]["size_in_bytes"]
    print(f"{name}: loaded {len(v)} in {t1 - t0:.1f} s, merged to {nseg} segment(s) in {t2 - t1:.1f} s, {size >> 20} MiB, "
          f"encoder {encoder or 'none'}, load {os.getloadavg()[0]:.2f}", flush=True)


def truth(v, q):
    un, fi = [], []
    even = np.arange(0, len(v), 2)
    for j in range(len(q)):
        s = v[even] @ q[j]
        un.append(set(even[np.argsort(-s)[:10]].tolist()))
        ns = (37 * j) % 100
        idx = np.arange(ns, len(v), 100)
        s = v[idx] @ q[j]
        fi.append(set(idx[np.argsort(-s)[:10]].tolist()))
    return un, fi


RESCORE = float(os.environ.get("AB_RESCORE", "0"))


def body(vec, tenant, ns, ef):
    flt = [{"term": {"tenant": tenant}}]
    if ns is not None:
        flt.append({"bool": {"minimum_should_match": 1, "should": [{"term": {"namespace": ns}}, {"prefix": {"namespace": ns + "/"}}]}})
    now = int(time.time() * 1000)
    flt += [{"range": {"expiry": {"gt": now}}}, {"range": {"supersededAt": {"gt": now}}}]
    knn = {"vector": [float(x) for x in vec], "k": 40, "filter": {"bool": {"filter": flt}}}
    if ef:
        knn["method_parameters"] = {"ef_search": ef}
    if RESCORE:
        knn["rescore"] = {"oversample_factor": RESCORE}
    src = False if os.environ.get("AB_NOSOURCE") else {"excludes": ["embedding"]}
    return json.dumps({"size": 40, "seq_no_primary_term": True, "_source": src,
                       "query": {"knn": {"embedding": knn}}}).encode()


def pct(xs, p):
    xs = sorted(xs)
    return xs[max(0, int(np.ceil(p / 100 * len(xs))) - 1)]


def search(nodes, efs, reps):
    v, q = corpus()
    un, fi = truth(v, q)
    conns = {n: conn(u.split("|")[0]) for n, u in nodes}
    idx = {n: (u.split("|")[1] if "|" in u else INDEX) for n, u in nodes}
    sets = [("unfiltered", lambda j: ("t-0", None), un), ("filtered", lambda j: ("t-%d" % ((37 * j) % 100 % 2), "ns/%d" % ((37 * j) % 100)), fi)]
    rows = []
    for ef in efs:
        for sname, f, tr in sets:
            bodies = [body(q[j], *f(j), ef) for j in range(len(q))]
            # warm-up: every query once on every node
            for j in range(len(q)):
                for n in conns:
                    req(conns[n], "POST", "/" + idx[n] + "/_search", bodies[j])
            took = {n: [] for n in conns}
            rt = {n: [] for n in conns}
            rec = {n: [] for n in conns}
            load0 = os.getloadavg()[0]
            for r in range(reps):
                for j in range(len(q)):
                    order = list(conns) if (j + r) % 2 == 0 else list(reversed(list(conns)))
                    for n in order:
                        t0 = time.perf_counter()
                        a = req(conns[n], "POST", "/" + idx[n] + "/_search", bodies[j])
                        rt[n].append((time.perf_counter() - t0) * 1000)
                        took[n].append(a["took"])
                        if r == 0:
                            ids = [int(h["_id"].split("/m-")[1]) for h in a["hits"]["hits"][:10]]
                            rec[n].append(len(tr[j] & set(ids)) / 10)
            load1 = os.getloadavg()[0]
            for n in conns:
                rows.append((n, ef, sname, float(np.mean(rec[n])), float(np.median(took[n])), pct(took[n], 95),
                             float(np.median(rt[n])), pct(rt[n], 95), load0, load1))
                print("| %s | %s | %s | %.4f | %.1f | %d | %.2f | %.2f | %.2f → %.2f |" % rows[-1], flush=True)
    return rows


if __name__ == "__main__":
    cmd = sys.argv[1]
    args = sys.argv[2:]
    efs = [100]
    reps = 2
    while args and args[0].startswith("--"):
        if args[0] == "--ef":
            efs = [int(x) for x in args[1].split(",")]
        elif args[0] == "--reps":
            reps = int(args[1])
        args = args[2:]
    nodes = []
    for a in args:
        name, rest = a.split("=", 1)
        url, _, enc = rest.partition(",")
        nodes.append((name, url, enc))
    if cmd == "load":
        for name, url, enc in nodes:
            load(name, url, enc)
    else:
        print("| node | ef_search | set | recall@10 | took p50 (ms) | took p95 | round trip p50 (ms) | round trip p95 | load start → end |")
        print("|---|---|---|---|---|---|---|---|---|")
        search([(n, u) for n, u, _ in nodes], efs, reps)
