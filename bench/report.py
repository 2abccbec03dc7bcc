# Turns the raw samples into statistics, target verdicts, a plain-text table for the
# terminal, a Markdown summary and a JSON record.
import json
import statistics

# (benchmark, metric, label, unit, decimals, only): `only` names the one peer that
# has the metric; other peers show "-".
ROWS = [
    ("boot", "first_line_ms", "boot: start to first serial line", "ms", 1, None),
    ("boot", "exit_ms", "boot: start to exit", "ms", 1, None),
    ("boot", "shutdown_ms", "boot: last serial line to exit", "ms", 1, None),
    ("boot_quiet", "first_line_ms", "boot, quiet guest: start to first line", "ms", 1, None),
    ("boot_quiet", "exit_ms", "boot, quiet guest: start to exit", "ms", 1, None),
    ("boot_quiet", "shutdown_ms", "boot, quiet guest: last line to exit", "ms", 1, None),
    ("mem256", "rss_mib", "default guest: peak RSS", "MiB", 2, None),
    ("mem256", "touched_mib", "default guest: guest RAM touched", "MiB", 2, "nestvisor"),
    ("mem256", "overhead_mib", "default guest: RSS minus touched", "MiB", 2, None),
    ("mem64", "rss_mib", "mem=64 guest: peak RSS", "MiB", 2, None),
    ("mem64", "touched_mib", "mem=64 guest: guest RAM touched", "MiB", 2, "nestvisor"),
    ("mem64", "overhead_mib", "mem=64 guest: RSS minus touched", "MiB", 2, None),
    ("exit", "ns_per_exit", "exit cost: ns per exit (pingpong)", "ns", 0, None),
    ("cpu", "ns_per_iter", "CPU loop: ns per iteration (sanity)", "ns", 4, None),
]

# (label, benchmark, metric, kind, limit): kind "ratio" compares nestvisor's median
# with QEMU's; kind "abs" compares nestvisor's median with the limit.
TARGETS = [
    ("start-to-exit at most 1/5 of QEMU's", "boot", "exit_ms", "ratio", 0.2),
    ("VMM overhead at most 3 MiB (default guest)", "mem256", "overhead_mib", "abs", 3.0),
    ("VMM overhead at most 3 MiB (guest touches 64 MiB)", "mem64", "overhead_mib", "abs", 3.0),
    ("exit cost no worse than QEMU's", "exit", "ns_per_exit", "ratio", 1.0),
]


def values(samples, bench, vmm, metric):
    runs = samples.get(bench, {}).get(vmm, [])
    return [r[metric] for r in runs if r.get("ok") and r.get(metric) is not None]


def stats(vals):
    if not vals:
        return None
    return {"n": len(vals), "min": min(vals), "median": statistics.median(vals),
            "max": max(vals), "mean": statistics.fmean(vals)}


def ratio(a, b, key):
    if not a or not b or not b[key]:
        return None
    return a[key] / b[key]


def _peer_stats(samples, bench, peer, metric, only):
    if peer.skip_reason or only not in (None, peer.key):
        return None
    return stats(values(samples, bench, peer.key, metric))


def summarize(samples, peers):
    """One entry per row: per-peer stats and the nestvisor/QEMU ratios."""
    out = []
    for bench, metric, label, unit, dec, only in ROWS:
        if bench not in samples:
            continue
        per = {p.key: _peer_stats(samples, bench, p, metric, only) for p in peers}
        nv, qemu = per.get("nestvisor"), per.get("qemu")
        out.append({"bench": bench, "metric": metric, "label": label, "unit": unit,
                    "decimals": dec, "only": only, "stats": per,
                    "ratio_min": ratio(nv, qemu, "min"),
                    "ratio_median": ratio(nv, qemu, "median")})
    return out


def verdicts(summary):
    out = []
    for label, bench, metric, kind, limit in TARGETS:
        row = next((r for r in summary if r["bench"] == bench and r["metric"] == metric),
                   None)
        if row is None:
            continue
        nv = row["stats"].get("nestvisor")
        value = row["ratio_median"] if kind == "ratio" else (nv and nv["median"])
        if value is None:
            verdict = "n/a"
        else:
            verdict = "PASS" if value <= limit else "MISS"
        out.append({"target": label, "kind": kind, "limit": limit, "value": value,
                    "unit": "" if kind == "ratio" else row["unit"], "verdict": verdict})
    return out


def _cell(st, dec, peer):
    if peer.skip_reason:
        return "not available" if "not found" in peer.skip_reason else "skipped"
    if st is None:
        return "-"
    return "%.*f / %.*f" % (dec, st["min"], dec, st["median"])


def _ratio_cell(row):
    if row["ratio_median"] is None:
        return "-"
    return "%.2f / %.2f" % (row["ratio_min"], row["ratio_median"])


def _target_value(t):
    if t["value"] is None:
        return "no data"
    if t["kind"] == "ratio":
        return "ratio %.3f (limit %.2f)" % (t["value"], t["limit"])
    return "%.2f %s (limit %.1f %s)" % (t["value"], t["unit"], t["limit"], t["unit"])


def table_rows(summary, peers):
    head = ["benchmark", "unit"] + ["%s min / median" % p.name for p in peers]
    head.append("ratio nv/QEMU min / median")
    body = [[r["label"], r["unit"]] +
            [_cell(r["stats"][p.key], r["decimals"], p) for p in peers] +
            [_ratio_cell(r)]
            for r in summary]
    return head, body


def text(meta, summary, targets, peers):
    head, body = table_rows(summary, peers)
    widths = [max(len(row[i]) for row in [head] + body) for i in range(len(head))]

    def fmt(row):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(row, widths))).rstrip()

    lines = [_title(meta), ""] + _version_lines(meta, peers) + [""]
    lines += [fmt(head), fmt(["-" * w for w in widths])] + [fmt(r) for r in body]
    lines += ["", "targets:"]
    lines += ["  %-4s  %-50s %s" % (t["verdict"], t["target"], _target_value(t))
              for t in targets]
    return "\n".join(lines) + "\n"


def _title(meta):
    return "nestvisor benchmarks, %s: %d runs per peer and benchmark, peers interleaved" % (
        meta["date"], meta["runs"])


def _version_lines(meta, peers):
    m = meta["machine"]
    lines = ["machine: %s, %d cores, kernel %s, THP %s, vmx/svm: %s" % (
        m["cpu"], m["cores"], m["kernel"], m["thp"], m["vmx_svm"]),
        "load average (1 min) at start / end: %.2f / %.2f" % (
            m["loadavg_start"][0], m["loadavg_end"][0]),
        "nestvisor tree: git %s" % meta["git"]]
    for p in peers:
        lines.append("%s: %s" % (p.name, p.skip_reason or "%s (%s)" % (p.version, p.origin)))
    return lines


def markdown(meta, summary, targets, peers):
    head, body = table_rows(summary, peers)
    row = lambda cells: "| " + " | ".join(c.strip().replace("|", "\\|") for c in cells) + " |"
    lines = ["### " + _title(meta), ""]
    lines += ["- " + v for v in _version_lines(meta, peers)]
    lines += ["", row(head), row(["---"] * len(head))] + [row(r) for r in body]
    lines += ["", "| target | measured | verdict |", "| --- | --- | --- |"]
    lines += [row([t["target"], _target_value(t), "**%s**" % t["verdict"]]) for t in targets]
    return "\n".join(lines) + "\n"


def write_json(path, meta, peers, plan, samples, summary, targets):
    doc = {
        "meta": meta,
        "peers": {p.key: {"name": p.name, "binary": p.origin, "ran": p.binary,
                          "version": p.version, "skipped": p.skip_reason}
                  for p in peers},
        "benchmarks": plan,
        "samples": samples,
        "summary": summary,
        "targets": targets,
    }
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
