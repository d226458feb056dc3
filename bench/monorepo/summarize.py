"""Summarizes a Bazel 7 JSON execution log (--execution_log_json_file) for
bench/monorepo/run.sh: the spawns that executed (not cache hits), by mnemonic and
package, and the longest LinuxkitBuild.

    python3 summarize.py LOG  ->  "<executed> <hits> <Mnemonic=n,...> <//pkg,...> <secs>"
"""
import json
import sys


def seconds(d):
    """'1.5s' (protobuf Duration in JSON) -> 1.5."""
    return float(d.rstrip("s")) if d else 0.0


def main(path):
    dec, buf, i = json.JSONDecoder(), open(path).read(), 0
    executed = hits = 0
    mnemonics, packages, build = {}, set(), 0.0
    while True:
        while i < len(buf) and buf[i].isspace():
            i += 1
        if i >= len(buf):
            break
        o, i = dec.raw_decode(buf, i)
        if o.get("cacheHit") or "cache hit" in (o.get("runner") or ""):
            hits += 1
            continue
        executed += 1
        m = o.get("mnemonic", "?")
        mnemonics[m] = mnemonics.get(m, 0) + 1
        packages.add(o.get("targetLabel", "?").split(":")[0])
        if m == "LinuxkitBuild":
            t = seconds(o.get("walltime") or (o.get("metrics") or {}).get("totalTime"))
            build = max(build, t)
    print(executed, hits,
          ",".join("%s=%d" % kv for kv in sorted(mnemonics.items())) or "none",
          ",".join(sorted(packages)) or "none", "%.2f" % build)


main(sys.argv[1])
